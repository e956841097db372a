"""The penguin pipeline as TFX's tutorials write it, with one change: the import.

    python penguin_pipeline_tfx.py DATA_ROOT PIPELINE_ROOT MODULE_FILE
"""

import os
import sys

from tfx_core import v1 as tfx  # was: from tfx import v1 as tfx

PIPELINE_NAME = "penguin-tfx"


def _create_pipeline(pipeline_name, pipeline_root, data_root, module_file, metadata_path):
  """Creates a pipeline of ExampleGen, StatisticsGen, SchemaGen, ExampleValidator, Transform."""
  example_gen = tfx.components.CsvExampleGen(
      input_base=data_root,
      output_config=tfx.proto.Output(split_config=tfx.proto.SplitConfig(splits=[
          tfx.proto.SplitConfig.Split(name="train", hash_buckets=2),
          tfx.proto.SplitConfig.Split(name="eval", hash_buckets=1)])))
  statistics_gen = tfx.components.StatisticsGen(examples=example_gen.outputs["examples"])
  schema_gen = tfx.components.SchemaGen(
      statistics=statistics_gen.outputs["statistics"], infer_feature_shape=True)
  example_validator = tfx.components.ExampleValidator(
      statistics=statistics_gen.outputs["statistics"], schema=schema_gen.outputs["schema"])
  transform = tfx.components.Transform(
      examples=example_gen.outputs["examples"], schema=schema_gen.outputs["schema"],
      module_file=module_file,
      splits_config=tfx.proto.SplitsConfig(analyze=["train"], transform=["train", "eval"]))
  components = [example_gen, statistics_gen, schema_gen, example_validator, transform]
  return tfx.dsl.Pipeline(
      pipeline_name=pipeline_name,
      pipeline_root=pipeline_root,
      metadata_connection_config=tfx.orchestration.metadata.sqlite_metadata_connection_config(
          metadata_path),
      components=components)


if __name__ == "__main__":
  data_root, pipeline_root, module_file = sys.argv[1:4]
  tfx.orchestration.LocalDagRunner().run(_create_pipeline(
      pipeline_name=PIPELINE_NAME, pipeline_root=pipeline_root, data_root=data_root,
      module_file=module_file, metadata_path=os.path.join(pipeline_root, "metadata.db")))
