"""The main job's example pipeline on the bundled penguin data: outputs, values, and the cache."""

import json
import os

import numpy as np
import pyarrow.parquet as pq

from tfx_core.examples import penguin_pipeline
from tfx_core.orchestration import LocalDagRunner


def test_penguin_pipeline_scales_features_and_caches(tmp_path):
  root = tmp_path / "root"
  result = LocalDagRunner().run(penguin_pipeline.create_pipeline(root))
  assert set(result.node_states.values()) == {"COMPLETE"}
  [transformed] = result.outputs["ScaleFeatures"]["transformed"]
  train = pq.read_table(os.path.join(transformed.uri, "Split-train", "data.parquet"))
  evaluation = pq.read_table(os.path.join(transformed.uri, "Split-eval", "data.parquet"))
  assert train.num_rows + evaluation.num_rows == 334  # Every row of the bundled CSV.
  assert abs(train.num_rows - 2 * evaluation.num_rows) <= 2
  for name in ("culmen_length_mm", "culmen_depth_mm", "flipper_length_mm", "body_mass_g"):
    values = train[name].to_numpy()
    assert abs(values.mean()) < 1e-12 and abs(values.std() - 1.0) < 1e-12
  [moments] = result.outputs["ComputeMoments"]["statistics"]
  with open(os.path.join(moments.uri, "moments.json")) as f:
    assert set(json.load(f)) == {"culmen_length_mm", "culmen_depth_mm", "flipper_length_mm",
                                 "body_mass_g"}
  assert np.array_equal(train["species"].to_numpy(),
                        pq.read_table(os.path.join(result.outputs["SplitExamples"]["examples"][0]
                                                   .uri, "Split-train", "data.parquet"))
                        ["species"].to_numpy())
  again = LocalDagRunner().run(penguin_pipeline.create_pipeline(root))
  assert again.node_states == {"import_csv": "CACHED", "SplitExamples": "CACHED",
                               "ComputeMoments": "CACHED", "ScaleFeatures": "CACHED"}
