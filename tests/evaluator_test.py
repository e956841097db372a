"""The Evaluator and Pusher components: TFMA's outputs and TFX's blessing from a real
SavedModel (serving_default on serialized tf.Example, and a raw-feature signature) or from a
predictions column; the Pusher's versions, refusals and atomic copies; errors naming the
field."""

import os
import shutil

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import tensorflow as tf
from google.protobuf import json_format

import tfx_core.evaluation as tfma
from tfx_core.components.evaluator.executor import EvaluatorExecutor
from tfx_core.components.pusher import executor as pusher_executor
from tfx_core.components.pusher.executor import PusherExecutor
from tfx_core.proto import eval_config_pb2, pusher_pb2
from tfx_core.types import Examples, Model, ModelBlessing, ModelEvaluation, PushedModel

_ROWS = 500


def _examples(tmp_path, with_predictions=False):
  rng = np.random.default_rng(0)
  x = rng.normal(size=_ROWS).astype(np.float32)
  label = (x + rng.normal(scale=0.5, size=_ROWS) > 0).astype(np.int64)
  columns = {"x": x, "label": label, "colour": rng.choice(["red", "blue"], _ROWS)}
  if with_predictions:
    columns["score"] = 1 / (1 + np.exp(-2 * x))
  examples = Examples()
  examples.uri = str(tmp_path / "examples")
  os.makedirs(examples.split_uri("eval"))
  pq.write_table(pa.table(columns), os.path.join(examples.split_uri("eval"),
                                                 "data-00000-of-00001.parquet"),
                 row_group_size=128)
  examples.split_names = ["eval"]
  return examples, columns


class _Logistic(tf.Module):
  """p = sigmoid(w * x): serving_default parses tf.Examples (TFX's convention); serving_raw
  takes the x column itself."""

  def __init__(self, w):
    super().__init__()
    self.w = tf.Variable(float(w))

  @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="examples")])
  def serve(self, examples):
    x = tf.io.parse_example(examples, {"x": tf.io.FixedLenFeature([], tf.float32)})["x"]
    return {"probabilities": tf.sigmoid(self.w * x)}

  @tf.function(input_signature=[tf.TensorSpec([None], tf.float32, name="x")])
  def raw(self, x):
    return {"probabilities": tf.sigmoid(self.w * x)}


def _model(tmp_path, name, w, artifact_id):
  model = Model()
  model.uri = str(tmp_path / name)
  model.record.id = artifact_id
  module = _Logistic(w)
  tf.saved_model.save(module, model.serving_model_dir,
                      signatures={"serving_default": module.serve, "serving_raw": module.raw})
  return model


def _config(signature="serving_default", prediction_key=""):
  return tfma.EvalConfig(
      model_specs=[tfma.ModelSpec(label_key="label", signature_name=signature,
                                  prediction_key=prediction_key)],
      slicing_specs=[tfma.SlicingSpec(), tfma.SlicingSpec(feature_keys=["colour"])],
      metrics_specs=tfma.metrics.specs_from_metrics([
          tfma.metrics.ExampleCount(), tfma.metrics.AUC(), tfma.metrics.CalibrationPlot(),
          tfma.metrics.ConfusionMatrixPlot(),
          tfma.MetricConfig(class_name="BinaryAccuracy", threshold=tfma.MetricThreshold(
              value_threshold=tfma.GenericValueThreshold(lower_bound={"value": 0.6}),
              change_threshold=tfma.GenericChangeThreshold(
                  direction=tfma.MetricDirection.HIGHER_IS_BETTER,
                  absolute={"value": -1e-10})))]))


def _evaluate(tmp_path, examples, config, model=None, baseline=None, **properties):
  evaluation, blessing = ModelEvaluation(), ModelBlessing()
  evaluation.uri, blessing.uri = str(tmp_path / "evaluation"), str(tmp_path / "blessing")
  for uri in (evaluation.uri, blessing.uri):
    shutil.rmtree(uri, ignore_errors=True)
  inputs = {"examples": [examples]}
  if model is not None:
    inputs["model"] = [model]
  if baseline is not None:
    inputs["baseline_model"] = [baseline]
  EvaluatorExecutor().Do(inputs, {"evaluation": [evaluation], "blessing": [blessing]},
                         dict({"eval_config": config}, **properties))
  return evaluation, blessing


def _records(path, message):
  return [message.FromString(r.numpy()) for r in tf.data.TFRecordDataset(path)]


def _accuracy(label, p):
  return float(np.mean((p > 0.5) == (label == 1)))


@pytest.mark.parametrize("signature", ["serving_default", "serving_raw"])
def test_first_run_is_rubber_stamped_and_writes_tfma_outputs(tmp_path, signature):
  examples, columns = _examples(tmp_path)
  model = _model(tmp_path, "model", 2.0, 7)
  evaluation, blessing = _evaluate(tmp_path, examples, _config(signature), model=model)
  assert os.path.exists(os.path.join(blessing.uri, "BLESSED")) and blessing.get("blessed") == 1
  assert blessing.get("current_model_id") == 7
  [validation] = _records(evaluation.path(evaluation.VALIDATIONS_FILE), tfma.ValidationResult)
  assert validation.validation_ok and validation.rubber_stamp
  metrics = _records(evaluation.path(evaluation.METRICS_FILE), tfma.MetricsForSlice)
  assert len(metrics) == 3  # Overall, colour:blue, colour:red.
  overall = {e.key.name: e.value.double_value.value for e in metrics[0].metric_keys_and_values}
  p = 1 / (1 + np.exp(-2.0 * columns["x"].astype(np.float64)))
  assert overall["example_count"] == _ROWS
  assert overall["binary_accuracy"] == pytest.approx(_accuracy(columns["label"], p))
  plots = _records(evaluation.path(evaluation.PLOTS_FILE), tfma.PlotsForSlice)
  assert {e.key.name for e in plots[0].plot_keys_and_values} == {"calibration_plot",
                                                                 "confusion_matrix_plot"}
  with open(evaluation.path(evaluation.REPORT_FILE)) as f:
    page = f.read()
  assert "BLESSED (rubber stamp" in page and "colour:red" in page and "<svg" in page
  with open(evaluation.path(evaluation.EVAL_CONFIG_FILE)) as f:
    run = json_format.Parse(f.read(), eval_config_pb2.EvalRun())
  assert run.eval_config.model_specs[0].label_key == "label"
  assert run.data_location == "Split-eval" and str(tmp_path) not in open(
      evaluation.path(evaluation.REPORT_FILE)).read()


def test_a_worse_candidate_is_not_blessed_and_not_pushed(tmp_path):
  examples, _ = _examples(tmp_path)
  good, worse = _model(tmp_path, "good", 2.0, 1), _model(tmp_path, "worse", -0.5, 2)
  evaluation, blessing = _evaluate(tmp_path, examples, _config(), model=worse, baseline=good)
  assert os.path.exists(os.path.join(blessing.uri, "NOT_BLESSED"))
  assert blessing.get("blessed") == 0 and blessing.get("baseline_model_id") == 1
  [validation] = _records(evaluation.path(evaluation.VALIDATIONS_FILE), tfma.ValidationResult)
  assert not validation.validation_ok and not validation.rubber_stamp
  assert any("changed by" in f.message for s in validation.metric_validations_per_slice
             for f in s.failures)
  with open(evaluation.path(evaluation.REPORT_FILE)) as f:
    page = f.read()
  assert "NOT BLESSED" in page and 'class="n failed"' in page and "baseline" in page

  pushed = PushedModel()
  pushed.uri = str(tmp_path / "pushed")
  PusherExecutor().Do({"model": [worse], "model_blessing": [blessing]},
                      {"pushed_model": [pushed]}, {"push_destination": _destination(tmp_path)})
  assert pushed.get("pushed") == 0 and "did not bless" in pushed.get("push_refused")
  assert not os.path.exists(tmp_path / "serving")

  # The better model against the worse one is blessed.
  _, blessing = _evaluate(tmp_path, examples, _config(), model=good, baseline=worse)
  assert blessing.get("blessed") == 1


def test_any_model_can_be_gated_from_a_predictions_column(tmp_path):
  examples, columns = _examples(tmp_path, with_predictions=True)
  evaluation, blessing = _evaluate(tmp_path, examples, _config(prediction_key="score"))
  assert blessing.get("blessed") == 1
  summary = evaluation.get("summary")
  assert "binary_accuracy = %.6g" % _accuracy(columns["label"], columns["score"]) in summary


def test_evaluator_errors_name_the_field(tmp_path):
  examples, _ = _examples(tmp_path)
  model = _model(tmp_path, "model", 1.0, 3)
  config = _config()
  config.model_specs[0].label_key = "tips"
  with pytest.raises(ValueError, match="label_key 'tips' is not a column"):
    _evaluate(tmp_path, examples, config, model=model)
  with pytest.raises(ValueError, match="has no signature 'serving_tf'; it has serving_default, "
                                       "serving_raw"):
    _evaluate(tmp_path, examples, _config("serving_tf"), model=model)
  with pytest.raises(ValueError, match=r"example_splits \['test'\] not in the examples"):
    _evaluate(tmp_path, examples, _config(), model=model, example_splits=["test"])
  with pytest.raises(ValueError, match="neither a model nor a prediction_key"):
    _evaluate(tmp_path, examples, _config())
  renamed = Examples()
  renamed.uri = str(tmp_path / "renamed")
  os.makedirs(renamed.split_uri("eval"))
  pq.write_table(pq.read_table(examples.split_uri("eval")).rename_columns(["z", "label", "colour"]),
                 os.path.join(renamed.split_uri("eval"), "data-00000-of-00001.parquet"))
  renamed.split_names = ["eval"]
  with pytest.raises(ValueError, match="signature 'serving_default' does not take these "
                                       "examples"):
    _evaluate(tmp_path, renamed, _config(), model=model)
  os.remove(os.path.join(examples.split_uri("eval"), "data-00000-of-00001.parquet"))
  pq.write_table(pa.table({"x": np.zeros(0, np.float32), "label": np.zeros(0, np.int64),
                           "colour": pa.array([], pa.string())}),
                 os.path.join(examples.split_uri("eval"), "data-00000-of-00001.parquet"))
  with pytest.raises(ValueError, match="hold no rows|holds no examples"):
    _evaluate(tmp_path, examples, _config(), model=model)
  assert not os.path.exists(tmp_path / "evaluation" / "report.html")  # Nothing published.


def _destination(tmp_path):
  return pusher_pb2.PushDestination(filesystem=pusher_pb2.PushDestination.Filesystem(
      base_directory=str(tmp_path / "serving")))


def test_pusher_versions_increase_and_copies_are_atomic(tmp_path, monkeypatch):
  model = _model(tmp_path, "model", 1.0, 5)
  blessing = ModelBlessing()
  blessing.set("blessed", 1)
  other = _model(tmp_path, "other", 3.0, 6)
  versions = []
  for i, pushing in enumerate([model, other, other]):
    # Two pushes within one second still get distinct, increasing versions; the same model
    # again is already served by the newest version.
    pushed = PushedModel()
    pushed.uri = str(tmp_path / ("pushed%d" % i))
    PusherExecutor().Do({"model": [pushing], "model_blessing": [blessing]},
                        {"pushed_model": [pushed]}, {"push_destination": _destination(tmp_path)})
    assert pushed.get("pushed") == 1 and pushed.get("already_serving") == (1 if i == 2 else None)
    versions.append(int(pushed.get("pushed_version")))
    assert os.path.isfile(os.path.join(pushed.get("pushed_destination"), "saved_model.pb"))
  assert versions[1] > versions[0] and versions[2] == versions[1]
  versions = versions[:2]

  # A crash mid-copy (the disk fills after the first file) leaves no version behind, and no
  # staging folder.
  copied, copytree = [], shutil.copytree

  def copy_then_fail(src, dst, *args, **kwargs):
    if copied:
      raise OSError(28, "No space left on device")
    copied.append(src)
    return shutil.copy2(src, dst, *args, **kwargs)
  def failing_copytree(src, dst, symlinks=False, ignore=None, copy_function=None, *args, **kw):
    del copy_function
    return copytree(src, dst, symlinks, ignore, copy_then_fail, *args, **kw)
  monkeypatch.setattr(shutil, "copytree", failing_copytree)
  with pytest.raises(OSError, match="No space left"):
    pusher_executor.push(model.serving_model_dir, str(tmp_path / "serving"))  # Not the newest.
  assert sorted(int(v) for v in os.listdir(tmp_path / "serving")) == versions


def test_pusher_errors(tmp_path):
  model = _model(tmp_path, "model", 1.0, 5)
  pushed = PushedModel()
  pushed.uri = str(tmp_path / "pushed")
  with pytest.raises(ValueError, match="push_destination needs filesystem.base_directory"):
    PusherExecutor().Do({"model": [model]}, {"pushed_model": [pushed]},
                        {"push_destination": pusher_pb2.PushDestination()})
  with pytest.raises(ValueError, match="Pusher: no model_blessing"):
    PusherExecutor().Do({"model": [model]}, {"pushed_model": [pushed]},
                        {"push_destination": _destination(tmp_path)})
  assert not os.path.exists(tmp_path / "serving")
  blocked = tmp_path / "file"
  blocked.write_text("not a folder")
  with pytest.raises(ValueError, match="cannot create push destination"):
    pusher_executor.push(model.serving_model_dir, str(blocked / "serving"))
  with pytest.raises(ValueError, match="has no SavedModel"):
    pusher_executor.push(str(tmp_path / "nothing"), str(tmp_path / "serving"))
