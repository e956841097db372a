"""Monitoring served traffic: a real model server's request log read back, cut into windows,
and compared with the training baseline (skew) and the previous window (drift)."""

import base64
import datetime
import os

import numpy as np
import pyarrow as pa
import pytest
import tensorflow as tf

from tfx_core import monitoring, serving, validation

from serving_models import publish


def _save_model(path):
  """serving_default over serialized tf.Examples with features x (float) and color (string)."""
  module = tf.Module()

  @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="examples")])
  def serve(serialized):
    f = tf.io.parse_example(serialized, {"x": tf.io.FixedLenFeature([], tf.float32),
                                         "color": tf.io.FixedLenFeature([], tf.string)})
    return {"score": 2.0 * f["x"] + tf.cast(tf.equal(f["color"], "red"), tf.float32)}

  module.serve = serve
  tf.saved_model.save(module, path, signatures={"serving_default": serve})


def _rows(rng, n, shift=0.0, red=1 / 3):
  x = rng.normal(loc=shift, size=n).astype(np.float32)
  others = rng.choice(["green", "blue"], size=n)
  color = np.where(rng.random(n) < red, "red", others)
  return x, color


def _example(x, color):
  example = tf.train.Example()
  example.features.feature["x"].float_list.value.append(float(x))
  example.features.feature["color"].bytes_list.value.append(color.encode())
  return example.SerializeToString()


def _baseline_and_schema(rng):
  x, color = _rows(rng, 5000)
  baseline = validation.generate_statistics(pa.table({"x": x, "color": color}))
  schema = validation.infer_schema(baseline)
  for feature in schema.feature:
    if feature.name == "x":
      feature.skew_comparator.jensen_shannon_divergence.threshold = 0.1
      feature.drift_comparator.jensen_shannon_divergence.threshold = 0.1
    else:
      feature.skew_comparator.infinity_norm.threshold = 0.2
      feature.drift_comparator.infinity_norm.threshold = 0.2
  return baseline, schema


def test_skew_and_drift_are_flagged_from_the_window_the_traffic_shifts_and_not_before(tmp_path):
  rng = np.random.default_rng(7)
  baseline, schema = _baseline_and_schema(rng)
  base, log_dir = str(tmp_path / "model"), str(tmp_path / "logs")
  publish(base, 1, _save_model)
  sent = []
  with serving.ModelServer(base, model_name="m", flags={"request_log_dir": log_dir}) as server:
    client = serving.RestClient(server.rest_url, "m")
    for shifted in (False,) * 3 + (True,) * 2:  # Five windows of 200 rows.
      x, color = _rows(rng, 200, shift=2.0, red=0.8) if shifted else _rows(rng, 200)
      for begin in range(0, 200, 50):
        client.predict(instances=[{"b64": base64.b64encode(_example(a, b)).decode()}
                                  for a, b in zip(x[begin:begin + 50], color[begin:begin + 50])])
      sent.append(x)
  table = monitoring.read_request_log(monitoring.log_files(log_dir, "m"), schema)
  assert table.num_rows == 1000
  np.testing.assert_array_equal(table.column("x").to_numpy(), np.concatenate(sent))
  assert set(table.column("color").to_pylist()) <= {"red", "green", "blue"}

  windows = monitoring.evaluate_windows(table, baseline, schema, rows=200)
  assert [w.rows for w in windows] == [200] * 5 and all(w.model_versions == [1] for w in windows)
  raised = [{(kind, feature) for kind, feature, _, _ in monitoring.alerts(w)} for w in windows]
  assert raised[:3] == [set(), set(), set()], raised
  assert raised[3] == {("skew", "x"), ("skew", "color"), ("drift", "x"), ("drift", "color")}
  assert raised[4] == {("skew", "x"), ("skew", "color")}  # Shifted like the window before.
  js, threshold = windows[3].distances["x"]["skew"]["JENSEN_SHANNON_DIVERGENCE"]
  assert js > threshold == pytest.approx(0.1)
  assert windows[0].distances["x"]["skew"]["JENSEN_SHANNON_DIVERGENCE"][0] < 0.1
  assert windows[0].statistics.datasets[0].num_examples == 200


def test_time_windows_are_aligned_and_skip_empty_spans():
  start = datetime.datetime(2026, 12, 7, 12, 0, 0, tzinfo=datetime.timezone.utc)
  offsets = [0.5, 59.9, 60.0, 200.0, 10.0]
  table = pa.table({
      "time": pa.array([start + datetime.timedelta(seconds=s) for s in offsets],
                       pa.timestamp("us", tz="UTC")),
      "x": [1.0, 2.0, 3.0, 4.0, 5.0]})
  windows = list(monitoring.split_windows(table, seconds=60))
  assert [(w[0].minute, w[1].minute) for w in windows] == [(0, 1), (1, 2), (3, 4)]
  assert [w[2].column("x").to_pylist() for w in windows] == [[1.0, 2.0, 5.0], [3.0], [4.0]]
  with pytest.raises(ValueError, match="`seconds` or of `rows`"):
    list(monitoring.split_windows(table))


def test_an_unreadable_log_file_is_an_error_naming_it(tmp_path):
  broken = tmp_path / "m" / "20261207T120000.000000Z-1-0.parquet"
  broken.parent.mkdir()
  broken.write_bytes(b"PAR1 truncated")
  (tmp_path / "m" / ".20261207T120100.000000Z-1-1.parquet.inprogress").write_bytes(b"")
  assert monitoring.log_files(str(tmp_path), "m") == [str(broken)]
  with pytest.raises(monitoring.RequestLogError) as e:
    monitoring.read_request_log([str(broken)])
  assert e.value.path == str(broken) and str(broken) in str(e.value)
