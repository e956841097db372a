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

from tfx_core.training.export import export_serving_model, restore_weights
from tfx_core.training.fn_args_utils import (DATA_ACCESSOR, DataAccessor, FnArgs,
                                             fn_args_from_json, fn_args_to_json,
                                             get_common_fn_args)
from tfx_core.training.raw_signature import (RAW_SIGNATURE_NAME, ROW_LENGTHS_SUFFIX,
                                             raw_features_signature, raw_input_specs)

__all__ = ["DATA_ACCESSOR", "DataAccessor", "FnArgs", "RAW_SIGNATURE_NAME", "ROW_LENGTHS_SUFFIX",
           "export_serving_model", "fn_args_from_json", "fn_args_to_json", "get_common_fn_args",
           "raw_features_signature", "raw_input_specs", "restore_weights"]
