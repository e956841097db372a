"""ExampleGen: reads CSV, Parquet, JSON lines or TFRecords of tf.Example into Parquet splits.

    ExampleGen(input_base="data/", input_pattern="span-{SPAN}/*.csv",
               output_splits={"train": 2, "eval": 1})

Input splits by pattern (`input_splits={"train": "train/*", "eval": "eval/*"}`) are kept as
they are; otherwise rows are split by stable hash buckets of every value (or of
`partition_feature`). The latest span is read unless `span` or `span_range` says otherwise.
TFX's protos say the same: `input_config` (example_gen_pb2.Input), `output_config`
(example_gen_pb2.Output) and `range_config` (range_config_pb2.RangeConfig).
"""

from tfx_core.components.example_gen.executor import ExampleGenExecutor, resolve
from tfx_core.dsl import BaseComponent, ChannelParameter, ComponentSpec, ExecutionParameter
from tfx_core.proto import example_gen_pb2, range_config_pb2
from tfx_core.types import Examples, Schema


class ExampleGenSpec(ComponentSpec):
  PARAMETERS = {
      "input_base": ExecutionParameter(str),
      "input_pattern": ExecutionParameter(str, optional=True),  # Default "*" (one input split).
      "input_splits": ExecutionParameter(dict, optional=True),  # split -> pattern
      "output_splits": ExecutionParameter(dict, optional=True),  # split -> hash buckets
      "partition_feature": ExecutionParameter(str, optional=True),
      "input_format": ExecutionParameter(str, optional=True),  # csv|parquet|jsonl|tfrecord
      "span": ExecutionParameter(int, optional=True),
      "span_range": ExecutionParameter(list, optional=True),  # [first, last]
      "bad_rows": ExecutionParameter(str, optional=True),  # fail (default) | quarantine
      "rows_per_shard": ExecutionParameter(int, optional=True),
      "input_config": ExecutionParameter(example_gen_pb2.Input, optional=True),
      "output_config": ExecutionParameter(example_gen_pb2.Output, optional=True),
      "range_config": ExecutionParameter(range_config_pb2.RangeConfig, optional=True),
  }
  # Optional (ours, not TFX's): CSV columns take the schema's types, and a value that is not of
  # its column's type is a bad row (failing the run, or quarantined), named by file and line.
  INPUTS = {"schema": ChannelParameter(Schema, optional=True)}
  OUTPUTS = {"examples": ChannelParameter(Examples)}


class ExampleGen(BaseComponent):
  SPEC_CLASS = ExampleGenSpec
  EXECUTOR_CLASS = ExampleGenExecutor

  @classmethod
  def external_inputs(cls, exec_properties):
    """The files this run would read: a changed or new file (a new span) misses the cache."""
    resolved = resolve(exec_properties)
    return [path for paths in resolved.files.values() for path in paths]
