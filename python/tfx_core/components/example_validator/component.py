"""ExampleValidator: statistics against the schema (anomalies), against the previous span's
statistics (drift) and against serving statistics (skew)."""

from tfx_core.components.example_validator.executor import ExampleValidatorExecutor
from tfx_core.dsl import BaseComponent, ChannelParameter, ComponentSpec, ExecutionParameter
from tfx_core.types import ExampleAnomalies, ExampleStatistics, Schema


class ExampleValidatorSpec(ComponentSpec):
  PARAMETERS = {
      "exclude_splits": ExecutionParameter(list, optional=True),
      "environment": ExecutionParameter(str, optional=True),  # e.g. "TRAINING", "SERVING"
      # {"infinity_norm": t, "jensen_shannon_divergence": t} for features without comparators.
      "default_thresholds": ExecutionParameter(dict, optional=True),
      "training_split": ExecutionParameter(str, optional=True),  # Skew's training side: "train".
      "stop_on_error": ExecutionParameter(bool, optional=True),  # Fail on ERROR anomalies.
  }
  INPUTS = {
      "statistics": ChannelParameter(ExampleStatistics),
      "schema": ChannelParameter(Schema),
      "previous_statistics": ChannelParameter(ExampleStatistics, optional=True),
      "serving_statistics": ChannelParameter(ExampleStatistics, optional=True),
  }
  OUTPUTS = {"anomalies": ChannelParameter(ExampleAnomalies)}


class ExampleValidator(BaseComponent):
  SPEC_CLASS = ExampleValidatorSpec
  EXECUTOR_CLASS = ExampleValidatorExecutor
