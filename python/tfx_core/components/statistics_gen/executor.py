"""StatisticsGen's executor: one Beam pipeline over every split's Parquet shards."""

import dataclasses
import logging
import os

import apache_beam as beam

from tfx_core import validation
from tfx_core.dsl import BaseExecutor

log = logging.getLogger("tfx_core.components.StatisticsGen")


class StatisticsGenExecutor(BaseExecutor):
  """Outputs: Split-<name>/FeatureStats.pb per split and statistics.html (splits side by side)."""

  def Do(self, input_dict, output_dict, exec_properties):
    examples = input_dict["examples"][0]
    statistics = output_dict["statistics"][0]
    options = validation.stats_options(exec_properties.get("stats_options"))
    schema = (input_dict.get("schema") or [None])[0]
    if schema is not None:
      options = dataclasses.replace(options, schema=validation.load_schema(schema.schema_path))
    exclude = set(exec_properties.get("exclude_splits") or [])
    splits = [s for s in examples.split_names if s not in exclude]
    if not splits:
      raise ValueError("StatisticsGen: no split left of %s after excluding %s" % (
          examples.split_names, sorted(exclude)))
    with self.make_beam_pipeline() as pipeline:
      for split in splits:
        os.makedirs(statistics.split_uri(split))
        pattern = examples.file_pattern(split)
        _ = (validation.read_parquet_batches(pipeline, pattern, "Read[%s]" % split)
             | "Statistics[%s]" % split >> validation.GenerateStatistics(options)
             | "Write[%s]" % split >> beam.Map(validation.write_statistics,
                                               statistics.stats_path(split)))
    stats = [(split, validation.load_statistics(statistics.stats_path(split)))
             for split in splits]
    with open(statistics.report_path, "w") as f:
      f.write(validation.statistics_html(
          stats, title="Statistics of the examples" + examples.data_label()))
    statistics.split_names = splits
    for key in ("span", "version"):
      if examples.get(key) is not None:
        statistics.set(key, examples.get(key))
    for split, s in stats:
      log.info("split %s: %d examples, %d features", split, s.datasets[0].num_examples,
               len(s.datasets[0].features))
