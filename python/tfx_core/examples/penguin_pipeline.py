"""The example pipeline: penguin measurements -> splits -> moments -> z-scored features.

    bazel run //python:penguin_pipeline -- --pipeline_root=.runs/penguin
    tfx-core-run --pipeline_module=tfx_core.examples.penguin_pipeline --pipeline_root=...

Importer (bundled CSV) -> SplitExamples -> ComputeMoments -> ScaleFeatures
                                      \\________________________/
Every step is an @component whose outputs land under the pipeline root, recorded in the
metadata store; a second run is served from the cache. ExampleGen, StatisticsGen and the
other standard components replace these steps as they arrive.
"""

import json
import os

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from tfx_core import mappers
from tfx_core.dsl import (Importer, InputArtifact, OutputArtifact, OutputDict, Parameter,
                          Pipeline, component)
from tfx_core.types import ExampleStatistics, Examples

DATA_ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "penguin")
LABEL = "species"


def _read_split(examples, split):
  return pq.read_table(os.path.join(examples.split_uri(split), "data.parquet"))


def _write_split(examples, split, table):
  os.makedirs(examples.split_uri(split))
  pq.write_table(table, os.path.join(examples.split_uri(split), "data.parquet"))


@component
def SplitExamples(raw: InputArtifact[Examples], examples: OutputArtifact[Examples],
                  eval_every: Parameter[int] = 3) -> OutputDict(train_rows=int, eval_rows=int):
  """Reads every CSV under the raw folder; every `eval_every`-th row goes to eval."""
  files = sorted(f for f in os.listdir(raw.uri) if f.endswith(".csv"))
  if not files:
    raise ValueError("no .csv file in %s" % raw.uri)
  table = pa.concat_tables(pacsv.read_csv(os.path.join(raw.uri, f)) for f in files)
  is_eval = np.arange(table.num_rows) % eval_every == eval_every - 1
  _write_split(examples, "train", table.filter(pa.array(~is_eval)))
  _write_split(examples, "eval", table.filter(pa.array(is_eval)))
  examples.split_names = ["train", "eval"]
  return {"train_rows": int((~is_eval).sum()), "eval_rows": int(is_eval.sum())}


@component
def ComputeMoments(examples: InputArtifact[Examples],
                   statistics: OutputArtifact[ExampleStatistics]) -> OutputDict(features=int):
  """Mean, standard deviation, min and max of each numeric feature over the train split."""
  table = _read_split(examples, "train")
  moments = {}
  for name in table.column_names:
    column = table[name]
    if name == LABEL or not pa.types.is_floating(column.type):
      continue
    moments[name] = {"mean": pc.mean(column).as_py(), "stddev": pc.stddev(column).as_py(),
                     "min": pc.min(column).as_py(), "max": pc.max(column).as_py()}
  with open(os.path.join(statistics.uri, "moments.json"), "w") as f:
    json.dump(moments, f, indent=1, sort_keys=True)
  statistics.split_names = ["train"]
  return {"features": len(moments)}


@component
def ScaleFeatures(examples: InputArtifact[Examples], statistics: InputArtifact[ExampleStatistics],
                  transformed: OutputArtifact[Examples]):
  """z-scores every numeric feature of every split with the train moments (C++ kernels)."""
  with open(os.path.join(statistics.uri, "moments.json")) as f:
    moments = json.load(f)
  for split in examples.split_names:
    table = _read_split(examples, split)
    for name, m in moments.items():
      index = table.column_names.index(name)
      scaled = mappers.scale_to_z_score(table[name].combine_chunks(), m["mean"], m["stddev"])
      table = table.set_column(index, name, pa.array(scaled))
    _write_split(transformed, split, table)
  transformed.split_names = examples.split_names


def create_pipeline(pipeline_root, data_root=None, enable_cache=True, metadata_url=None):
  raw = Importer(source_uri=data_root or DATA_ROOT, artifact_type=Examples).with_id("import_csv")
  split = SplitExamples(raw=raw.outputs["result"])
  moments = ComputeMoments(examples=split.outputs["examples"])
  scale = ScaleFeatures(examples=split.outputs["examples"],
                        statistics=moments.outputs["statistics"])
  return Pipeline("penguin", pipeline_root, [raw, split, moments, scale],
                  enable_cache=enable_cache, metadata_url=metadata_url)
