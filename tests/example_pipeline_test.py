"""The main job's example pipeline on the bundled penguin data: outputs, values, the cache, and
a worse model refused by the Evaluator and not pushed."""

import json
import os
import re

import numpy as np
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from tfx_core import validation
from tfx_core.dsl import compile_pipeline
from tfx_core.examples import penguin_pipeline, penguin_trainer
from tfx_core.metadata import from_value
from tfx_core.orchestration import LocalDagRunner
from tfx_core.types import HYPERPARAMETERS_FILE, InferenceResult

FEATURES = {"species", "culmen_length_mm", "culmen_depth_mm", "flipper_length_mm", "body_mass_g"}


def _only(result, node, key):
  [artifact] = result.outputs[node][key]
  return artifact


def test_penguin_pipeline_validates_data_and_flags_skew(tmp_path, capsys):
  root = tmp_path / "root"
  result = LocalDagRunner().run(penguin_pipeline.create_pipeline(root))
  assert set(result.node_states.values()) == {"COMPLETE"}
  examples = _only(result, "ExampleGen", "examples")
  counts = json.loads(from_value(examples.custom_properties["row_counts"]))
  assert counts["train"] + counts["eval"] == 334  # Every row of the bundled CSV.
  source = pacsv.read_csv(os.path.join(penguin_pipeline.DATA_ROOT, "penguin",
                                       "penguins_processed.csv"))
  train = pq.read_table(os.path.join(examples.uri, "Split-train"))
  assert train.schema == source.schema and train.num_rows == counts["train"]

  statistics = _only(result, "StatisticsGen", "statistics")
  stats = validation.load_statistics(os.path.join(statistics.uri, "Split-train",
                                                  "FeatureStats.pb"))
  assert stats.datasets[0].num_examples == counts["train"]
  body_mass = validation.get_feature(stats, "body_mass_g").num_stats
  assert abs(body_mass.mean - train["body_mass_g"].to_numpy().mean()) < 1e-12
  with open(os.path.join(statistics.uri, "statistics.html")) as f:
    assert "culmen_length_mm" in f.read()

  schema = validation.load_schema(os.path.join(_only(result, "SchemaGen", "schema").uri,
                                               "schema.pbtxt"))
  assert {f.name for f in schema.feature} == FEATURES
  anomalies = _only(result, "ExampleValidator", "anomalies")
  assert from_value(anomalies.custom_properties["max_severity"]) == "UNKNOWN"  # None found.
  skew = _only(result, "SkewValidator", "anomalies")
  assert from_value(skew.custom_properties["max_severity"]) == "ERROR"
  with open(os.path.join(skew.uri, "anomalies.txt")) as f:
    report = f.read()
  assert "culmen_length_mm: ERROR" in report and "species: ERROR" not in report

  # Transform: z-scores centred on the train split, quartiles of body mass, the label kept.
  transformed = pq.read_table(os.path.join(_only(result, "Transform", "transformed_examples").uri,
                                           "Split-train"))
  assert transformed.num_rows == counts["train"]
  z = transformed["body_mass_g_z"].combine_chunks().flatten().to_numpy()
  assert abs(z.mean()) < 1e-5 and abs(z.std() - 1) < 1e-5
  quartiles = transformed["body_mass_quartile"].combine_chunks().flatten().to_numpy()
  assert sorted(set(quartiles)) == [0, 1, 2, 3]
  assert transformed["species"].combine_chunks().flatten().to_pylist() == \
      train["species"].to_pylist()

  # Tuner: KerasTuner's config of the best trial, which the Trainer trained with.
  with open(os.path.join(_only(result, "Tuner", "best_hyperparameters").uri,
                         HYPERPARAMETERS_FILE)) as f:
    assert set(json.load(f)["values"]) == {"learning_rate", "num_layers"}
  untuned = compile_pipeline(penguin_pipeline.create_pipeline(root, enable_tuning=False))
  assert "Tuner" not in {node.id for node in untuned.nodes}

  # Trainer: a SavedModel in TFX's layout, and its accuracy on the whole eval split.
  model = _only(result, "Trainer", "model")
  assert os.path.isfile(os.path.join(model.uri, "Format-Serving", "saved_model.pb"))
  with open(os.path.join(_only(result, "Trainer", "model_run").uri,
                         penguin_trainer.EVAL_REPORT)) as f:
    accuracy, examples_seen = re.fullmatch(r"eval accuracy (\S+) on (\d+) examples\n",
                                           f.read()).groups()
  assert float(accuracy) > 0.9 and int(examples_seen) == counts["eval"]

  # Evaluator: the first model is rubber-stamped (no baseline yet) and pushed.
  blessing = _only(result, "Evaluator", "blessing")
  assert from_value(blessing.properties["blessed"]) == 1
  assert os.path.exists(os.path.join(blessing.uri, "BLESSED"))
  summary = from_value(_only(result, "Evaluator", "evaluation").custom_properties["summary"])
  assert "BLESSED (rubber stamp" in summary and "sparse_categorical_accuracy" in summary
  # InfraValidator: the model loads in tfx_core_model_server and answers 10 eval examples.
  infra = _only(result, "InfraValidator", "blessing")
  assert from_value(infra.properties["blessed"]) == 1
  assert os.listdir(infra.uri) == ["INFRA_BLESSED"]
  pushed = _only(result, "Pusher", "pushed_model")
  version = from_value(pushed.properties["pushed_version"])
  serving = os.path.join(str(root), penguin_pipeline.SERVING_MODEL_DIR)
  assert os.listdir(serving) == [version]
  assert os.path.isfile(os.path.join(serving, version, "saved_model.pb"))
  # BulkInferrer: the blessed model's three logits for every serving row, beside its columns.
  inference = _only(result, "BulkInferrer", "inference_result")
  table = pq.read_table(InferenceResult(inference).split_uri("serving"))
  assert table.num_rows == from_value(inference.custom_properties["rows"]) > 300
  assert set(table.column_names) == FEATURES | {"outputs"}
  assert {len(v) for v in table.column("outputs").to_pylist()} == {3}
  # After the run, the pushed model is served: REST and gRPC give the same logits.
  capsys.readouterr()
  penguin_pipeline.after_run(root)
  lines = capsys.readouterr().out.splitlines()
  assert lines[0].startswith("serving: penguin version %s on REST" % version)
  answers = [re.fullmatch(r"serving: species (\d) -> REST (.*), gRPC (.*)", l) for l in lines[1:4]]
  assert len(answers) == 3 and all(a and a.group(2) == a.group(3) for a in answers), lines
  # The server logged those six requests, with its answers, for monitoring.
  logged = re.fullmatch(r"serving: request log: 6 examples in (.*\.parquet)", lines[4])
  assert logged, lines
  log = pq.read_table(logged.group(1))
  assert log["frontend"].to_pylist() == ["REST"] * 3 + ["GRPC"] * 3
  assert set(log["model_version"].to_pylist()) == {int(version)}
  rest_logits = [json.loads(a.group(2)) for a in answers]
  np.testing.assert_allclose(log["outputs"].combine_chunks().field(0).to_pylist()[:3],
                             rest_logits, atol=1e-3)

  # Again: the Resolver now finds the blessed model, so the Evaluator compares it with itself
  # (blessed), and the Pusher finds it already served; everything else is cached.
  again = LocalDagRunner().run(penguin_pipeline.create_pipeline(root))
  rerun = {"latest_blessed_model_resolver", "Evaluator", "Pusher", "BulkInferrer"}
  assert {s for n, s in again.node_states.items() if n not in rerun} == {"CACHED"}
  assert from_value(_only(again, "Evaluator", "blessing").properties["blessed"]) == 1
  assert from_value(_only(again, "Pusher", "pushed_model").properties["pushed_version"]) == \
      version
  third = LocalDagRunner().run(penguin_pipeline.create_pipeline(root))
  assert {s for n, s in third.node_states.items() if n != "latest_blessed_model_resolver"} \
      == {"CACHED"}

  # A worse model (3 training steps) against the blessed one: the change threshold refuses it.
  worse = LocalDagRunner().run(penguin_pipeline.create_pipeline(root, train_steps=3))
  blessing = _only(worse, "Evaluator", "blessing")
  assert from_value(blessing.properties["blessed"]) == 0
  failed = json.loads(from_value(blessing.custom_properties["failed_thresholds"]))
  assert any("on slice Overall; the change threshold" in f for f in failed)
  assert from_value(_only(worse, "Pusher", "pushed_model").properties["pushed"]) == 0
  assert os.listdir(serving) == [version]
