"""What a Trainer or Tuner hands the user's run_fn / tuner_fn: TFX's FnArgs and DataAccessor.

    FnArgs          working_dir, train_files, eval_files, train_steps, eval_steps, schema_path
                    (schema_file), transform_graph_path (transform_output), data_accessor,
                    serving_model_dir, eval_model_dir, model_run_dir, base_model,
                    hyperparameters, custom_config
    DataAccessor    tf_dataset_factory(file_patterns, TensorFlowDatasetOptions, schema) and
                    record_batch_factory(file_patterns, RecordBatchesOptions, schema), over
                    tfx_core's Parquet examples (tfx_core.tfxio)
    raw_features_signature(model, tf_transform_output, label_key)
                    a serving signature over raw feature tensors (request format in
                    tfx_core.training.raw_signature), beside serving_default's tf.Examples
"""

import os

from tfx_core.training.fn_args_utils import (DATA_ACCESSOR, DataAccessor, FnArgs,
                                             fn_args_from_json, fn_args_to_json,
                                             get_common_fn_args)
from tfx_core.training.raw_signature import (RAW_SIGNATURE_NAME, ROW_LENGTHS_SUFFIX,
                                             raw_features_signature, raw_input_specs)



def restore_weights(model, saved_model_dir):
  """Warm start under Keras 3, which cannot load a SavedModel as a Keras model: the weights of
  `model` (built as the saved one was) restored from the SavedModel's variables. The optimizer
  is left as compiled: this run's learning rate and step count, not the base model's. Raises if
  a weight of `model` has no saved value."""
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  # Everything the model tracks (its layers, under the names it saved them with) but its
  # optimizer.
  weights_only = {name: child for name, child in model._trackable_children().items()  # pylint: disable=protected-access
                  if child is not getattr(model, "optimizer", None)}
  status = tf.train.Checkpoint(**weights_only).read(
      os.path.join(saved_model_dir, "variables", "variables"))
  status.expect_partial().assert_existing_objects_matched()
  return model


__all__ = ["DATA_ACCESSOR", "DataAccessor", "FnArgs", "RAW_SIGNATURE_NAME", "ROW_LENGTHS_SUFFIX",
           "fn_args_from_json", "fn_args_to_json", "get_common_fn_args", "raw_features_signature",
           "raw_input_specs", "restore_weights"]
