"""Transform's executor: analysis passes and the transform pass as Beam pipelines.

Outputs: transform_graph (a TransformOutput directory), transformed_examples
(Split-<name>/data-NNNNN-of-NNNNN.parquet), pre_transform_stats (analyzed splits, raw),
post_transform_stats (every transformed split), post_transform_schema (schema.pbtxt).
Nothing is published if any step fails: the runner discards the outputs of a failed execution.
"""

import json
import logging
import os

import apache_beam as beam

from tfx_core import validation
from tfx_core.dsl import BaseExecutor
from tfx_core.utils import udf_utils

# tfx_core.transform loads TensorFlow: it is imported where Transform runs, so that importing
# tfx_core.components (every pipeline definition, every --help) stays quick.
# pylint: disable=import-outside-toplevel

log = logging.getLogger("tfx_core.components.Transform")

DATA_PREFIX = "data"


def preprocessing_fn_of(exec_properties):
  """The PreprocessingFn named by the module_file or preprocessing_fn parameter."""
  from tfx_core.transform import _analysis
  module_file, _ = udf_utils.check_one_of("Transform", exec_properties, "preprocessing_fn")
  if module_file:
    return _analysis.PreprocessingFn(module_file=module_file)
  return _analysis.PreprocessingFn(
      udf_utils.function_of("Transform", exec_properties, "preprocessing_fn"))


def _dataset_key(examples, splits):
  """What the analyzer cache keys on: span, version and the analyzed files (names, sizes)."""
  files = []
  for split in splits:
    directory = examples.split_uri(split)
    files += [(split, n, os.path.getsize(os.path.join(directory, n)))
              for n in sorted(os.listdir(directory))]
  return {"span": examples.get("span"), "version": examples.get("version"), "files": files}


class _TransformDoFn(beam.DoFn):
  """Raw Arrow tables -> transformed ones, through a saved TransformGraph."""

  def __init__(self, transform_graph_dir):
    self._dir = transform_graph_dir
    self._output = None

  def setup(self):
    from tfx_core import transform
    self._output = transform.TransformOutput(self._dir)

  def process(self, table):
    yield self._output.transform_arrow(table)


class TransformExecutor(BaseExecutor):

  def Do(self, input_dict, output_dict, exec_properties):
    from tfx_core import transform
    from tfx_core.transform import _analysis, _cache, _inputs
    examples, schema = input_dict["examples"][0], input_dict["schema"][0]
    graph_artifact = output_dict["transform_graph"][0]
    p = exec_properties
    fn = preprocessing_fn_of(p)
    splits_config = p.get("splits_config")
    if splits_config is not None and (p.get("analyze_splits") or p.get("transform_splits")):
      raise ValueError("Transform: give splits_config or analyze_splits / transform_splits, "
                       "not both")
    if splits_config is not None:
      p = dict(p, analyze_splits=list(splits_config.analyze),
               transform_splits=list(splits_config.transform))
    analyze_splits = p.get("analyze_splits") or ["train"]
    transform_splits = p.get("transform_splits") or list(examples.split_names)
    for split in analyze_splits + transform_splits:
      if split not in examples.split_names:
        raise ValueError("Transform: split %r is not in the examples (%s)" % (
            split, ", ".join(examples.split_names)))
    spec = transform.feature_spec_from_schema(
        validation.load_schema(schema.schema_path))

    # Analysis: one Beam pipeline per pass, over the analyzed splits.
    files_dir = os.path.join(self.context.tmp_dir or graph_artifact.uri, "analyzer_files")
    os.makedirs(files_dir, exist_ok=True)
    cache_dir = p.get("analyzer_cache_dir") or (
        self.context.node_dir and os.path.join(self.context.node_dir, "analyzer_cache"))
    cache = _cache.AnalyzerCache(cache_dir, _dataset_key(examples, analyze_splits)) \
        if cache_dir else None

    def run_pass(analysis_pass):
      values_file = os.path.join(files_dir, "values-%s.json" % analysis_pass.keys[0])
      with self.make_beam_pipeline() as pipeline:
        batches = [validation.read_parquet_batches(
            pipeline, examples.file_pattern(s), "Read[%s]" % s) for s in analyze_splits]
        _ = (batches | "Flatten" >> beam.Flatten()
             | "Analyze" >> beam.CombineGlobally(_analysis.AnalysisCombineFn(analysis_pass))
             | "Write" >> beam.Map(_write_json, values_file))
      with open(values_file) as f:
        return json.load(f)

    known = _analysis.analyze(fn, spec, run_pass, files_dir, cache=cache)
    hits = cache.hits if cache else 0
    log.info("analyzers: %d, %d of them from the analyzer cache", len(known), hits)
    graph_artifact.set("analyzers", len(known))
    graph_artifact.set("analyzers_from_cache", hits)
    transform.save_transform_graph(fn.load(), spec, known, files_dir, graph_artifact.uri)
    output = transform.TransformOutput(graph_artifact.uri)
    post_schema = output_dict["post_transform_schema"][0]
    validation.write_schema(output.transformed_metadata_schema(), post_schema.schema_path)

    # Transform (and statistics): one Beam pipeline over every split.
    transformed = output_dict["transformed_examples"][0]
    pre_stats = output_dict["pre_transform_stats"][0]
    post_stats = output_dict["post_transform_stats"][0]
    materialize = p.get("materialize", True) is not False
    statistics = not p.get("disable_statistics")
    arrow_schema = _inputs.arrow_schema(output.transformed_feature_spec())
    with self.make_beam_pipeline() as pipeline:
      for split in sorted(set(analyze_splits) | set(transform_splits)):
        raw = validation.read_parquet_batches(pipeline, examples.file_pattern(split),
                                              "Read[%s]" % split)
        if statistics and split in analyze_splits:
          _statistics(raw, pre_stats, split, "Pre")
        if split not in transform_splits or not (materialize or statistics):
          continue
        out = raw | "Transform[%s]" % split >> beam.ParDo(_TransformDoFn(graph_artifact.uri))
        if materialize:
          _ = out | "Write[%s]" % split >> beam.io.WriteToParquetBatched(
              os.path.join(transformed.split_uri(split), DATA_PREFIX), arrow_schema,
              file_name_suffix=".parquet", shard_name_template="-SSSSS-of-NNNNN")
        if statistics:
          _statistics(out, post_stats, split, "Post")
    transformed.split_names = transform_splits if materialize else []
    pre_stats.split_names = analyze_splits if statistics else []
    post_stats.split_names = transform_splits if statistics else []
    for artifact in (transformed, pre_stats, post_stats):
      for key in ("span", "version"):
        if examples.get(key) is not None:
          artifact.set(key, examples.get(key))
    if statistics:
      for artifact, splits, what in ((pre_stats, analyze_splits, "Pre-transform"),
                                     (post_stats, transform_splits, "Post-transform")):
        stats = [(s, validation.load_statistics(artifact.stats_path(s))) for s in splits]
        with open(artifact.report_path, "w") as f:
          f.write(validation.statistics_html(
              stats, title="%s statistics%s" % (what, examples.data_label())))


def _statistics(batches, artifact, split, label):
  os.makedirs(artifact.split_uri(split), exist_ok=True)
  _ = (batches | "%sStatistics[%s]" % (label, split) >> validation.GenerateStatistics()
       | "%sWriteStatistics[%s]" % (label, split) >> beam.Map(
           validation.write_statistics, artifact.stats_path(split)))


def _write_json(value, path):
  with open(path + ".tmp", "w") as f:
    json.dump(value, f)
  os.replace(path + ".tmp", path)
