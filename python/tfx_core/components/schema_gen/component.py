"""SchemaGen infers a schema from the train statistics; ImportSchemaGen brings in a user's
schema.pbtxt unchanged."""

from tfx_core.components.schema_gen.executor import (ImportSchemaGenExecutor,
                                                     SchemaGenExecutor)
from tfx_core.dsl import BaseComponent, ChannelParameter, ComponentSpec, ExecutionParameter
from tfx_core.types import ExampleStatistics, Schema


class SchemaGenSpec(ComponentSpec):
  PARAMETERS = {
      "infer_feature_shape": ExecutionParameter(bool, optional=True),  # Default True.
      "max_string_domain_size": ExecutionParameter(int, optional=True),  # Default 100.
      "split": ExecutionParameter(str, optional=True),  # Default "train".
  }
  INPUTS = {"statistics": ChannelParameter(ExampleStatistics)}
  OUTPUTS = {"schema": ChannelParameter(Schema)}


class SchemaGen(BaseComponent):
  SPEC_CLASS = SchemaGenSpec
  EXECUTOR_CLASS = SchemaGenExecutor


class ImportSchemaGenSpec(ComponentSpec):
  PARAMETERS = {"schema_file": ExecutionParameter(str)}
  OUTPUTS = {"schema": ChannelParameter(Schema)}


class ImportSchemaGen(BaseComponent):
  SPEC_CLASS = ImportSchemaGenSpec
  EXECUTOR_CLASS = ImportSchemaGenExecutor

  @classmethod
  def external_inputs(cls, exec_properties):
    return [exec_properties["schema_file"]]
