"""StatisticsGen: statistics of every split (C++ accumulators in a Beam pipeline), written as
tensorflow_metadata DatasetFeatureStatisticsList plus an HTML report comparing the splits."""

from tfx_core.components.statistics_gen.executor import StatisticsGenExecutor
from tfx_core.dsl import BaseComponent, ChannelParameter, ComponentSpec, ExecutionParameter
from tfx_core.types import ExampleStatistics, Examples, Schema


class StatisticsGenSpec(ComponentSpec):
  PARAMETERS = {
      "exclude_splits": ExecutionParameter(list, optional=True),
      # Fields of tfx_core.validation.StatsOptions, e.g. {"weight_feature": "w",
      # "slice_features": ["species"], "num_top_values": 20}.
      "stats_options": ExecutionParameter(dict, optional=True),
  }
  INPUTS = {
      "examples": ChannelParameter(Examples),
      # As in TFX: optional; its image_domain features get bytes statistics.
      "schema": ChannelParameter(Schema, optional=True),
  }
  OUTPUTS = {"statistics": ChannelParameter(ExampleStatistics)}


class StatisticsGen(BaseComponent):
  SPEC_CLASS = StatisticsGenSpec
  EXECUTOR_CLASS = StatisticsGenExecutor
