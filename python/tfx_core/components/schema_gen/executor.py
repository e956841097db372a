"""SchemaGen's and ImportSchemaGen's executors; both write <uri>/schema.pbtxt."""

import logging
import shutil

from tfx_core import validation
from tfx_core.dsl import BaseExecutor

log = logging.getLogger("tfx_core.components.SchemaGen")


class SchemaGenExecutor(BaseExecutor):

  def Do(self, input_dict, output_dict, exec_properties):
    statistics = input_dict["statistics"][0]
    split = exec_properties.get("split") or "train"
    if split not in statistics.split_names:
      raise ValueError("SchemaGen: statistics have no split %r (they have %s)" % (
          split, statistics.split_names))
    stats = validation.load_statistics(statistics.stats_path(split))
    shape = exec_properties.get("infer_feature_shape")
    schema = validation.infer_schema(
        stats, max_string_domain_size=exec_properties.get("max_string_domain_size") or 100,
        infer_feature_shape=True if shape is None else shape)
    path = output_dict["schema"][0].schema_path
    validation.write_schema(schema, path)
    log.info("inferred a schema of %d features from split %s: %s", len(schema.feature), split,
             path)


class ImportSchemaGenExecutor(BaseExecutor):

  def Do(self, input_dict, output_dict, exec_properties):
    source = exec_properties["schema_file"]
    validation.load_schema(source)  # Fails here, naming the file, if it does not parse.
    path = output_dict["schema"][0].schema_path
    shutil.copyfile(source, path)
    log.info("imported %s unchanged as %s", source, path)
