"""A small pipeline of @component nodes over a CSV file, used by the runner's tests.

Importer(csv) -> Ingest +-> Summarize -+-> Train
                        +-> Profile  -+
"""

import json
import os
import shutil
import time

import demo_helpers
from tfx_core.dsl import (Importer, InputArtifact, OutputArtifact, OutputDict, Parameter,
                          Pipeline, component)
from tfx_core.types import ExampleStatistics, Examples, Model


@component
def Ingest(raw: InputArtifact[Examples], examples: OutputArtifact[Examples]) -> OutputDict(
    rows=int):
  os.makedirs(examples.split_uri("train"))
  shutil.copy(os.path.join(raw.uri, "data.csv"),
              os.path.join(examples.split_uri("train"), "data.csv"))
  examples.split_names = ["train"]
  with open(os.path.join(raw.uri, "data.csv")) as f:
    return {"rows": sum(1 for _ in f) - 1}


@component
def Summarize(examples: InputArtifact[Examples], statistics: OutputArtifact[ExampleStatistics],
              column: Parameter[str], fail_if_exists: Parameter[str] = "",
              sleep_seconds: Parameter[float] = 0.0) -> OutputDict(mean=float):
  if fail_if_exists and os.path.exists(fail_if_exists):
    raise ValueError("Summarize was told to fail: %s exists" % fail_if_exists)
  time.sleep(sleep_seconds)
  values = demo_helpers.read_column(os.path.join(examples.split_uri("train"), "data.csv"), column)
  mean = sum(values) / len(values)
  with open(os.path.join(statistics.uri, "stats.json"), "w") as f:
    json.dump({"column": column, "mean": mean, "count": len(values)}, f)
  return {"mean": mean}


@component
def Profile(examples: InputArtifact[Examples], statistics: OutputArtifact[ExampleStatistics],
            sleep_seconds: Parameter[float] = 0.0):
  time.sleep(sleep_seconds)
  with open(os.path.join(examples.split_uri("train"), "data.csv")) as f:
    header = f.readline().strip().split(",")
  with open(os.path.join(statistics.uri, "columns.json"), "w") as f:
    json.dump(header, f)


@component
def Train(summary: InputArtifact[ExampleStatistics], profile: InputArtifact[ExampleStatistics],
          model: OutputArtifact[Model]):
  with open(os.path.join(summary.uri, "stats.json")) as f:
    mean = json.load(f)["mean"]
  with open(os.path.join(model.uri, "model.json"), "w") as f:
    json.dump({"bias": mean}, f)


def create_pipeline(pipeline_root, data_root, enable_cache=True, metadata_url=None,
                    column="body_mass_g", fail_if_exists="", sleep_seconds=0.0):
  raw = Importer(source_uri=data_root, artifact_type=Examples).with_id("import_csv")
  ingest = Ingest(raw=raw.outputs["result"])
  summarize = Summarize(examples=ingest.outputs["examples"], column=column,
                        fail_if_exists=fail_if_exists, sleep_seconds=sleep_seconds)
  profile = Profile(examples=ingest.outputs["examples"], sleep_seconds=sleep_seconds)
  train = Train(summary=summarize.outputs["statistics"], profile=profile.outputs["statistics"])
  return Pipeline("demo", pipeline_root, [raw, ingest, summarize, profile, train],
                  enable_cache=enable_cache, metadata_url=metadata_url)
