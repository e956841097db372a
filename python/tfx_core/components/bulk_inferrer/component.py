"""BulkInferrer: a model's signature over every row of some Examples splits, in Arrow batches on
TensorFlow's C++ runtime (rows encoded to tf.Example in C++, batches run concurrently on all
cores), skipped when a given ModelBlessing did not bless the model (TFX's BulkInferrer)."""

from tfx_core.components.bulk_inferrer.executor import BulkInferrerExecutor
from tfx_core.dsl import BaseComponent, ChannelParameter, ComponentSpec, ExecutionParameter
from tfx_core.proto import bulk_inferrer_pb2
from tfx_core.types import Examples, InferenceResult, Model, ModelBlessing


class BulkInferrerSpec(ComponentSpec):
  PARAMETERS = {
      "model_spec": ExecutionParameter(bulk_inferrer_pb2.ModelSpec, optional=True),
      "data_spec": ExecutionParameter(bulk_inferrer_pb2.DataSpec, optional=True),
      # Given: the predictions become columns of output_examples (TFX's output_example_spec).
      "output_example_spec": ExecutionParameter(bulk_inferrer_pb2.OutputExampleSpec,
                                                optional=True),
      "batch_size": ExecutionParameter(int, optional=True),
      # "parquet" (default) or "prediction_log": TFX's PredictionLog TFRecords.
      "inference_result_format": ExecutionParameter(str, optional=True),
  }
  INPUTS = {
      "examples": ChannelParameter(Examples),
      "model": ChannelParameter(Model),
      "model_blessing": ChannelParameter(ModelBlessing, optional=True),
  }
  OUTPUTS = {
      "inference_result": ChannelParameter(InferenceResult),
      "output_examples": ChannelParameter(Examples),
  }


class BulkInferrer(BaseComponent):
  SPEC_CLASS = BulkInferrerSpec
  EXECUTOR_CLASS = BulkInferrerExecutor
