"""Transform: runs a tensorflow_transform-style preprocessing_fn (C++ analyzers in Beam passes),
writes the TransformGraph, the transformed examples and statistics before and after."""

from tfx_core.components.transform.executor import TransformExecutor
from tfx_core.dsl import BaseComponent, ChannelParameter, ComponentSpec, ExecutionParameter
from tfx_core.proto import transform_pb2
from tfx_core.types import Examples, ExampleStatistics, Schema, TransformGraph


class TransformSpec(ComponentSpec):
  PARAMETERS = {
      # The user code: a file defining `preprocessing_fn`, or "package.module.function".
      "module_file": ExecutionParameter(str, optional=True),
      "preprocessing_fn": ExecutionParameter(str, optional=True),
      "analyze_splits": ExecutionParameter(list, optional=True),    # Default ["train"].
      "transform_splits": ExecutionParameter(list, optional=True),  # Default: every split.
      # TFX's way to say both: SplitsConfig(analyze=[...], transform=[...]).
      "splits_config": ExecutionParameter(transform_pb2.SplitsConfig, optional=True),
      "materialize": ExecutionParameter(bool, optional=True),       # Write examples (True).
      "disable_statistics": ExecutionParameter(bool, optional=True),
      # Where analyzer values are kept between runs (default: beside this node's outputs).
      "analyzer_cache_dir": ExecutionParameter(str, optional=True),
  }
  INPUTS = {"examples": ChannelParameter(Examples), "schema": ChannelParameter(Schema)}
  OUTPUTS = {
      "transform_graph": ChannelParameter(TransformGraph),
      "transformed_examples": ChannelParameter(Examples),
      "pre_transform_stats": ChannelParameter(ExampleStatistics),
      "post_transform_stats": ChannelParameter(ExampleStatistics),
      "post_transform_schema": ChannelParameter(Schema),
  }


class Transform(BaseComponent):
  SPEC_CLASS = TransformSpec
  EXECUTOR_CLASS = TransformExecutor
