"""The Chicago taxi run_fn, in the style of TFX's taxi native-Keras module file: a wide-and-deep
Keras model on taxi_preprocessing's features (did the rider tip more than 20%?), exported with
a serving signature that parses raw tf.Examples and runs the TransformGraph inside.

It trains under tf.distribute.MultiWorkerMirroredStrategy, with one worker or with the
Trainer's workers (custom_config {"distribution": {"num_workers": 2}}): Keras 3's fit fails
under that strategy, so training is tfx_core.training.multi_worker.fit's loop, and each worker
reads its own share of the rows.
"""

import json
import os

import keras
import numpy as np
import tensorflow as tf

import tfx_core.transform as tft
from tfx_core import tfxio, training
from tfx_core import v1 as tfx
from tfx_core.examples import taxi_preprocessing as features
from tfx_core.examples.penguin_trainer import EVAL_REPORT
from tfx_core.training import multi_worker

LABEL_KEY = features.LABEL_KEY + "_xf"
# Buckets of each categorical integer feature's hashed one-hot encoding.
_HASH_BINS = {"trip_start_hour": 24, "trip_start_day": 8, "trip_start_month": 13,
              "pickup_census_tract": 64, "dropoff_census_tract": 64,
              "pickup_community_area": 80, "dropoff_community_area": 80}
_GLOBAL_BATCH_SIZE = 64
_EVAL_BATCH_SIZE = 256
_HIDDEN_UNITS = [32, 16]
# What each worker read of the train split, one pass: {"index", "count", "rows", "label_sum"}.
SHARD_REPORT = "shard.json"


def _xf(key):
  return key + "_xf"


def _build_keras_model(tf_transform_output):
  """Deep: the z-scored floats through Dense layers; wide: one-hot vocabularies, buckets and
  hashed categorical integers; one logit."""
  deep_inputs = {_xf(k): keras.layers.Input(shape=(), name=_xf(k))
                 for k in features.DENSE_FLOAT_FEATURE_KEYS}
  int_keys = (features.VOCAB_FEATURE_KEYS + features.BUCKET_FEATURE_KEYS +
              features.CATEGORICAL_FEATURE_KEYS)
  wide_inputs = {_xf(k): keras.layers.Input(shape=(), name=_xf(k), dtype="int64")
                 for k in int_keys}
  deep = keras.layers.concatenate([keras.layers.Reshape((1,))(x) for x in deep_inputs.values()])
  for units in _HIDDEN_UNITS:
    deep = keras.layers.Dense(units, activation="relu")(deep)
  wide = []
  for key in features.VOCAB_FEATURE_KEYS + features.BUCKET_FEATURE_KEYS:
    wide.append(keras.layers.CategoryEncoding(
        num_tokens=tf_transform_output.num_buckets_for_transformed_feature(_xf(key)),
        output_mode="one_hot")(keras.layers.Reshape((1,))(wide_inputs[_xf(key)])))
  for key in features.CATEGORICAL_FEATURE_KEYS:
    wide.append(keras.layers.Hashing(num_bins=_HASH_BINS[key], output_mode="one_hot")(
        keras.layers.Reshape((1,))(wide_inputs[_xf(key)])))
  output = keras.layers.Dense(1)(keras.layers.concatenate([deep] + wide))
  model = keras.Model(inputs={**deep_inputs, **wide_inputs}, outputs=output)
  model.compile(optimizer=keras.optimizers.Adam(1e-3),
                loss=keras.losses.BinaryCrossentropy(from_logits=True))
  return model


def _input_fn(fn_args, files, schema, batch_size, input_context=None, **options):
  return fn_args.data_accessor.tf_dataset_factory(
      files, tfxio.TensorFlowDatasetOptions(batch_size=batch_size, label_key=LABEL_KEY,
                                            **options), schema, input_context=input_context)


def _get_tf_examples_serving_signature(model, tf_transform_output):
  """serving_default: serialized raw tf.Examples -> the tip probability's logit."""
  model.tft_layer = tf_transform_output.transform_features_layer()

  @tf.function(input_signature=[tf.TensorSpec(shape=[None], dtype=tf.string, name="examples")])
  def serve_tf_examples_fn(serialized_tf_example):
    raw_feature_spec = tf_transform_output.raw_feature_spec()
    raw_feature_spec.pop(features.LABEL_KEY)
    raw_features = tf.io.parse_example(serialized_tf_example, raw_feature_spec)
    transformed_features = model.tft_layer(raw_features)
    return {"outputs": model(transformed_features)}

  return serve_tf_examples_fn


def _record_shard(fn_args, schema, index, count):
  """What this worker's input pipeline reads of the train split in one pass."""
  context = tf.distribute.InputContext(num_input_pipelines=count, input_pipeline_id=index)
  rows, label_sum = 0, 0
  for _, label in _input_fn(fn_args, fn_args.train_files, schema, 1024, context,
                            num_epochs=1, shuffle=False):
    rows += int(tf.size(label))
    label_sum += int(tf.reduce_sum(label))
  with open(os.path.join(fn_args.model_run_dir, SHARD_REPORT), "w") as f:
    json.dump({"index": index, "count": count, "rows": rows, "label_sum": label_sum}, f)


def _evaluate(model, fn_args, schema):
  """(accuracy, AUC, examples) on the whole eval split. About a fifth of riders tip over 20%,
  so accuracy alone barely tells a model from "never"; the AUC does."""
  correct = total = 0
  auc = keras.metrics.AUC(from_logits=True)
  for batch, label in _input_fn(fn_args, fn_args.eval_files, schema, _EVAL_BATCH_SIZE,
                                num_epochs=1, shuffle=False):
    logits = model(batch, training=False).numpy().reshape(-1)
    label = label.numpy().reshape(-1)
    correct += int(np.sum((logits > 0) == label.astype(bool)))
    total += len(label)
    auc.update_state(label, logits)
  return correct / total, float(auc.result()), total


def run_fn(fn_args: tfx.components.FnArgs):
  """Trains for train_steps global steps, writes the eval accuracy and AUC and this worker's
  share of the data to model_run_dir, and exports the model to serving_model_dir."""
  keras.utils.set_random_seed((fn_args.custom_config or {}).get("seed", 1))
  index, count = multi_worker.worker_index_and_count()
  tf_transform_output = tft.TFTransformOutput(fn_args.transform_output)
  schema = tf_transform_output.transformed_metadata.schema
  strategy = tf.distribute.MultiWorkerMirroredStrategy()  # TF_CONFIG: the Trainer's cluster.

  def dataset_fn(input_context):
    return _input_fn(fn_args, fn_args.train_files, schema,
                     input_context.get_per_replica_batch_size(_GLOBAL_BATCH_SIZE),
                     input_context, shuffle_seed=index).repeat()

  with strategy.scope():
    model = _build_keras_model(tf_transform_output)
  history = multi_worker.fit(model, strategy, dataset_fn, steps=fn_args.train_steps or 500)
  _record_shard(fn_args, schema, index, count)
  accuracy, auc, examples = _evaluate(model, fn_args, schema)
  with open(os.path.join(fn_args.model_run_dir, EVAL_REPORT), "w") as f:
    f.write("eval accuracy %.4f on %d examples, AUC %.4f (final loss %.4f)\n" % (
        accuracy, examples, auc, history["loss"][-1]))
  signatures = {"serving_default": _get_tf_examples_serving_signature(model, tf_transform_output),
                training.RAW_SIGNATURE_NAME: training.raw_features_signature(
                    model, tf_transform_output, features.LABEL_KEY)}
  # tf.saved_model.save(model, ...) would serve from Python only; see export_serving_model.
  training.export_serving_model(model, fn_args.serving_model_dir, signatures)
