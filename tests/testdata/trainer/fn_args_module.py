"""A run_fn that records what the Trainer gave it (TFX's FnArgs fields), reads a batch through
both DataAccessor factories, and saves a minimal SavedModel; custom_config selects failures."""

import json
import os

import tensorflow as tf

import tfx_core.transform as tft
from tfx_core import tfxio
from tfx_core import v1 as tfx


def run_fn(fn_args: tfx.components.FnArgs):
  config = fn_args.custom_config or {}
  if config.get("fail"):
    return 1 / 0
  label_key = config.get("label_key", "species")
  transformed = tft.TFTransformOutput(fn_args.transform_output).transformed_metadata.schema
  dataset = fn_args.data_accessor.tf_dataset_factory(
      fn_args.train_files, tfxio.TensorFlowDatasetOptions(batch_size=7, label_key=label_key),
      transformed)
  features, label = next(iter(dataset))
  batches = fn_args.data_accessor.record_batch_factory(
      fn_args.eval_files, tfxio.RecordBatchesOptions(batch_size=5, num_epochs=1), transformed)
  seen = {name: getattr(fn_args, name) for name in (
      "working_dir", "train_files", "eval_files", "train_steps", "eval_steps", "schema_path",
      "schema_file", "transform_graph_path", "transform_output", "serving_model_dir",
      "eval_model_dir", "model_run_dir", "base_model", "hyperparameters", "custom_config")}
  seen["batch"] = {"features": sorted(features), "label_shape": label.shape.as_list()}
  seen["record_batch_rows"] = [b.num_rows for b in batches]
  with open(os.path.join(fn_args.model_run_dir, "fn_args.json"), "w") as f:
    json.dump(seen, f)
  if config.get("save", True):
    module = tf.Module()
    module.scale = tf.Variable(2.0)
    if config.get("signature") == "floats":  # Not TFX's serialized tf.Examples.
      serve = tf.function(lambda x: {"outputs": x * module.scale},
                          input_signature=[tf.TensorSpec([None], tf.float32, name="x")])
    else:
      serve = tf.function(
          lambda examples: {"outputs": tf.cast(tf.strings.length(examples), tf.float32) *
                            module.scale},
          input_signature=[tf.TensorSpec([None], tf.string, name="examples")])
    tf.saved_model.save(module, fn_args.serving_model_dir,
                        signatures={"serving_default": serve})
  return None
