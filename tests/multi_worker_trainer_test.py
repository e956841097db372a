"""Multi-worker training: the Chicago taxi run_fn on one worker and on two (a
MultiWorkerMirroredStrategy cluster on loopback); each worker reads its own share, the chief's
model serves and is as accurate as the single worker's; bad configs and a failing worker."""

import json
import os
import re

import numpy as np
import pyarrow.parquet as pq
import pytest
import tensorflow as tf

from tfx_core import training
from tfx_core.components import ExampleGen, ImportSchemaGen, Trainer, Transform
from tfx_core.components.trainer.executor import TrainerExecutor
from tfx_core.dsl import ExecutorContext, Pipeline
from tfx_core.examples import penguin_pipeline, taxi_trainer
from tfx_core.examples.penguin_trainer import EVAL_REPORT
from tfx_core.orchestration import LocalDagRunner
from tfx_core.proto import trainer_pb2
from tfx_core.types import Model, ModelRun, artifact_class

HERE = os.path.dirname(os.path.abspath(__file__))
TAXI = os.path.join(penguin_pipeline.DATA_ROOT, "chicago_taxi")
TAXI_SCHEMA = os.path.join(HERE, "testdata", "chicago_taxi_schema.pbtxt")
TRAIN_STEPS = 300
# Two workers take the same global steps on the same global batch size, each on half of the
# rows in another order: the models differ by their data order only.
ACCURACY_TOLERANCE = 0.03
AUC_TOLERANCE = 0.02


@pytest.fixture(scope="module")
def taxi(tmp_path_factory):
  root = tmp_path_factory.mktemp("taxi")
  examples = ExampleGen(input_base=TAXI)
  schema = ImportSchemaGen(schema_file=TAXI_SCHEMA)
  transform = Transform(examples=examples.outputs["examples"], schema=schema.outputs["schema"],
                        module_file=os.path.join(penguin_pipeline.HERE, "taxi_preprocessing.py"))
  trainers = [
      Trainer(examples=transform.outputs["transformed_examples"],
              transform_graph=transform.outputs["transform_graph"],
              module_file=os.path.join(penguin_pipeline.HERE, "taxi_trainer.py"),
              train_args=trainer_pb2.TrainArgs(num_steps=TRAIN_STEPS),
              custom_config=config).with_id(node_id)
      for node_id, config in (("Trainer", None),
                              ("MultiWorkerTrainer", {"distribution": {"num_workers": 2}}))]
  result = LocalDagRunner(max_parallel_nodes=1).run(
      Pipeline("taxi", str(root), [examples, schema, transform] + trainers))
  assert set(result.node_states.values()) == {"COMPLETE"}
  return result


def _only(result, node, key):
  [record] = result.outputs[node][key]
  return artifact_class(record.type)(record)


def _json(path):
  with open(path) as f:
    return json.load(f)


def _metrics(run):
  """(accuracy, AUC) from the run's eval report."""
  with open(os.path.join(run.uri, EVAL_REPORT)) as f:
    accuracy, auc = re.fullmatch(r"eval accuracy (\S+) on \d+ examples, AUC (\S+) \(final loss "
                                 r"\S+\)\n", f.read()).groups()
  return float(accuracy), float(auc)


def test_two_workers_read_disjoint_shares_and_train_as_well_as_one(taxi):
  single = _only(taxi, "Trainer", "model_run")
  multi = _only(taxi, "MultiWorkerTrainer", "model_run")
  whole = _json(os.path.join(single.uri, taxi_trainer.SHARD_REPORT))
  chief = _json(os.path.join(multi.uri, taxi_trainer.SHARD_REPORT))
  other = _json(os.path.join(multi.uri, "worker-1", taxi_trainer.SHARD_REPORT))
  train_rows = pq.read_table(
      _only(taxi, "Transform", "transformed_examples").split_uri("train")).num_rows
  assert (whole["count"], chief["count"], other["count"]) == (1, 2, 2)
  assert (chief["index"], other["index"]) == (0, 1)
  assert whole["rows"] == train_rows
  # Disjoint shares that together are every row: the counts and the label sums add up.
  assert chief["rows"] + other["rows"] == train_rows
  assert chief["label_sum"] + other["label_sum"] == whole["label_sum"]
  assert abs(chief["rows"] - other["rows"]) <= train_rows // 10
  # Logs of each worker, and the chief's model only in the Model.
  for name in ("worker-0.log", "worker-1.log"):
    assert os.path.getsize(os.path.join(multi.uri, name)) > 0
  assert tf.saved_model.contains_saved_model(os.path.join(multi.uri, "worker-1", "serving"))
  (single_accuracy, single_auc), (multi_accuracy, multi_auc) = _metrics(single), _metrics(multi)
  assert single_auc > 0.85 and multi_auc > 0.85
  assert abs(multi_auc - single_auc) <= AUC_TOLERANCE
  assert abs(multi_accuracy - single_accuracy) <= ACCURACY_TOLERANCE


def _raw_eval(taxi):
  """The raw eval rows as serialized tf.Examples, and their labels as preprocessing_fn makes
  them (a tip of more than 20% of the fare; none without a fare)."""
  table = pq.read_table(_only(taxi, "ExampleGen", "examples").split_uri("eval"))
  # In float32, as the TransformGraph computes it.
  fare = np.array([np.nan if v is None else v for v in table["fare"].to_pylist()], np.float32)
  tips = np.array([0.0 if v is None else v for v in table["tips"].to_pylist()], np.float32)
  with np.errstate(invalid="ignore"):
    labels = np.where(np.isnan(fare), False, tips > np.float32(0.2) * fare)
  rows = []
  for row in table.drop_columns(["tips"]).to_pylist():
    feature = {}
    for name, value in row.items():
      if value is None:
        continue
      if isinstance(value, str):
        feature[name] = tf.train.Feature(bytes_list=tf.train.BytesList(value=[value.encode()]))
      elif isinstance(value, float):
        feature[name] = tf.train.Feature(float_list=tf.train.FloatList(value=[value]))
      else:
        feature[name] = tf.train.Feature(int64_list=tf.train.Int64List(value=[value]))
    rows.append(tf.train.Example(features=tf.train.Features(feature=feature))
                .SerializeToString())
  return rows, labels


def test_the_chiefs_model_serves_tf_examples(taxi):
  model = _only(taxi, "MultiWorkerTrainer", "model")
  serve = tf.saved_model.load(model.serving_model_dir).signatures["serving_default"]
  examples, labels = _raw_eval(taxi)
  logits = serve(examples=tf.constant(examples))["outputs"].numpy().reshape(-1)
  assert logits.shape == (len(examples),) and np.all(np.isfinite(logits))
  # The served model (raw tf.Examples through the TransformGraph) scores as the chief did on
  # the transformed eval rows.
  served = np.mean((logits > 0) == labels)
  assert served == pytest.approx(_metrics(_only(taxi, "MultiWorkerTrainer", "model_run"))[0],
                                 abs=1e-4)


def test_the_raw_feature_signature_serves_as_serving_default(taxi):
  # The taxi raw features are VarLen (missing in some rows): values flat, with row lengths.
  model = _only(taxi, "MultiWorkerTrainer", "model")
  loaded = tf.saved_model.load(model.serving_model_dir)
  table = pq.read_table(_only(taxi, "ExampleGen", "examples").split_uri("eval")).drop_columns(
      ["tips"])
  examples, _ = _raw_eval(taxi)
  raw_signature = loaded.signatures[training.RAW_SIGNATURE_NAME]
  dtypes = {k: v.dtype for k, v in raw_signature.structured_input_signature[1].items()}
  inputs = {}
  for name in table.column_names:
    column = table[name].combine_chunks()
    inputs[name] = tf.constant(column.drop_null().to_pylist(), dtypes[name])
    inputs[name + training.ROW_LENGTHS_SUFFIX] = tf.constant(
        column.is_valid().to_numpy(zero_copy_only=False).astype(np.int64))
  raw = raw_signature(**inputs)["outputs"].numpy()
  default = loaded.signatures["serving_default"](examples=tf.constant(examples))["outputs"]
  assert any(table[name].null_count for name in table.column_names)
  np.testing.assert_allclose(raw, default.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("distribution, message", [
    ({"num_workers": 0}, "['num_workers'] must be an integer >= 1, got 0"),
    ({"num_workers": "2"}, "['num_workers'] must be an integer >= 1, got '2'"),
    ({"workers": 2}, " must be {'num_workers': N}; got {'workers': 2}"),
    (2, " must be {'num_workers': N}; got 2"),
])
def test_bad_distribution_configs(taxi, tmp_path, distribution, message):
  with pytest.raises(ValueError, match=re.escape("Trainer: custom_config['distribution']" + message)):
    _trainer(taxi, tmp_path, {"distribution": distribution})


def _trainer(taxi, tmp_path, custom_config):
  model, model_run = Model(), ModelRun()
  model.uri, model_run.uri = str(tmp_path / "model"), str(tmp_path / "model_run")
  TrainerExecutor(ExecutorContext(tmp_dir=str(tmp_path))).Do(
      {"examples": [_only(taxi, "Transform", "transformed_examples")],
       "transform_graph": [_only(taxi, "Transform", "transform_graph")]},
      {"model": [model], "model_run": [model_run]},
      {"module_file": os.path.join(HERE, "testdata", "trainer", "fn_args_module.py"),
       "custom_config": dict(custom_config, label_key="tips_xf")})
  return model_run


def test_a_failing_worker_fails_the_trainer_with_its_log(taxi, tmp_path):
  with pytest.raises(RuntimeError, match=r"Trainer: worker worker-\d exited with status 1; the "
                     r"end of its log \(.*worker-\d\.log\):\n(.|\n)*run_fn raised "
                     r"ZeroDivisionError"):
    _trainer(taxi, tmp_path, {"distribution": {"num_workers": 2}, "fail": True})
