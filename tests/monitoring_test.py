"""Monitoring served traffic: a real model server's request log read back, cut into windows,
and compared with the training baseline (skew) and the previous window (drift)."""

import base64
import datetime
import math
import os
import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet  # noqa: F401  (pa.parquet)
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


def _wait_for_rows(log_dir, model, rows, timeout=20):
  import time  # pylint: disable=import-outside-toplevel
  import pyarrow.parquet as pq  # pylint: disable=import-outside-toplevel
  deadline = time.time() + timeout
  while time.time() < deadline:
    files = [f for f in monitoring.log_files(log_dir, model) if "Z-0-0" not in f]  # Not ours.
    if sum(pq.read_metadata(f).num_rows for f in files) >= rows:
      return
    time.sleep(0.1)
  raise AssertionError("the server did not publish %d logged rows" % rows)


def _send(client, rng, n, shifted=False):
  x, color = _rows(rng, n, shift=2.0, red=0.8) if shifted else _rows(rng, n)
  for begin in range(0, n, 50):
    client.predict(instances=[{"b64": base64.b64encode(_example(a, b)).decode()}
                              for a, b in zip(x[begin:begin + 50], color[begin:begin + 50])])


class _Receiver:
  """An HTTP server on loopback collecting POSTed JSON."""

  def __init__(self):
    import http.server  # pylint: disable=import-outside-toplevel
    import json  # pylint: disable=import-outside-toplevel
    import threading  # pylint: disable=import-outside-toplevel
    received = self.received = []

    class Handler(http.server.BaseHTTPRequestHandler):
      def do_POST(self):  # pylint: disable=invalid-name
        received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(200)
        self.end_headers()

      def log_message(self, *args):
        pass

    self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    self.url = "http://127.0.0.1:%d/alerts" % self.server.server_port
    threading.Thread(target=self.server.serve_forever, daemon=True).start()


def test_the_monitor_reads_each_file_once_across_restarts_and_alerts_with_a_cooldown(tmp_path):
  import json  # pylint: disable=import-outside-toplevel
  from tfx_core.metadata import MetadataStore  # pylint: disable=import-outside-toplevel
  rng = np.random.default_rng(11)
  baseline, schema = _baseline_and_schema(rng)
  base, log_dir = str(tmp_path / "model"), str(tmp_path / "logs")
  publish(base, 1, _save_model)
  store = MetadataStore("sqlite:///%s" % (tmp_path / "metadata.sqlite"))
  # What the Pusher would have recorded for the served version, in the same store.
  from tfx_core import metadata as md  # pylint: disable=import-outside-toplevel
  from tfx_core import types  # pylint: disable=import-outside-toplevel
  pushed = types.PushedModel()
  pushed.uri = str(tmp_path / "pushed")
  pushed.set("pushed", 1)
  pushed.set("pushed_version", "1")
  store.put_type(md.ARTIFACT, "PushedModel", types.PushedModel.PROPERTIES)
  [pushed_id] = store.put_artifacts([pushed.record])
  alerts_file = str(tmp_path / "alerts.jsonl")
  receiver = _Receiver()

  def monitor(webhook):
    return monitoring.Monitor(log_dir, "m", baseline, schema, store, str(tmp_path / "monitor"),
                              window_rows=200, sinks=[monitoring.JsonLinesSink(alerts_file),
                                                      webhook])

  with serving.ModelServer(base, model_name="m", flags={
      "request_log_dir": log_dir, "request_log_max_file_seconds": 1}) as server:
    client = serving.RestClient(server.rest_url, "m")
    webhook = monitoring.WebhookSink(receiver.url)
    _send(client, rng, 400)
    _wait_for_rows(log_dir, "m", 400)
    first = monitor(webhook).run_once()
    assert [w.rows for w in first] == [200, 200] and not any(map(monitoring.alerts, first))
    _send(client, rng, 300, shifted=True)
    _wait_for_rows(log_dir, "m", 700)
    # A corrupt file beside the good ones: skipped with an error, never lost or retried.
    (tmp_path / "logs" / "m" / "00000000T000000.000000Z-0-0.parquet").write_bytes(b"not parquet")
    second = monitor(webhook).run_once()
    assert [w.rows for w in second] == [200]
    assert monitor(webhook).run_once() == []  # A restart finds nothing new: 100 rows stay open.
    _send(client, rng, 100, shifted=True)
    _wait_for_rows(log_dir, "m", 800)
    third = monitor(webhook).run_once()
    assert [w.rows for w in third] == [200]
    webhook.close()

  windows = first + second + third
  assert [w.model_versions for w in windows] == [[1]] * 4
  assert {(k, f) for k, f, _, _ in monitoring.alerts(windows[2])} == {
      ("skew", "x"), ("skew", "color"), ("drift", "x"), ("drift", "color")}
  fired = [json.loads(line) for line in open(alerts_file)]
  # Window 2 fired its four alerts; window 3's persisting skew is within the cool-down.
  assert sorted((a["window_index"], a["kind"], a["feature"]) for a in fired) == [
      (2, "drift", "color"), (2, "drift", "x"), (2, "skew", "color"), (2, "skew", "x")]
  assert all(a["model"] == "m" and a["severity"] == "ERROR" for a in fired)
  assert sorted(a["feature"] + a["kind"] for a in receiver.received) == sorted(
      a["feature"] + a["kind"] for a in fired)

  # The store holds every pass, each log file consumed once, and the windows' artifacts.
  logs = store.get_artifacts(type_name="RequestLog")
  assert len({a.uri for a in logs}) == len(logs) == len(os.listdir(tmp_path / "logs" / "m"))
  corrupt = [a for a in logs if "error" in a.custom_properties]
  assert len(corrupt) == 1 and "00000000T000000.000000Z-0-0.parquet" in corrupt[0].uri
  assert "Parquet" in corrupt[0].custom_properties["error"].string_value
  stats = store.get_artifacts(type_name="ExampleStatistics")
  assert [s.custom_properties["rows"].int_value for s in stats] == [200] * 4
  # Each window's lineage reaches the model version that answered its requests.
  upstream = store.get_lineage([stats[3].id], direction="upstream", depth=1)
  assert pushed_id in {a.id for a in upstream.artifacts}
  loaded = validation.load_statistics(os.path.join(stats[2].uri, "Split-window", "FeatureStats.pb"))
  assert loaded.datasets[0].num_examples == 200
  # The dashboard covers every window so far, rebuilt from the store after each pass.
  history = monitor(None).history()
  assert [w.rows for w in history] == [200] * 4
  assert history[2].distances["x"]["skew"]["JENSEN_SHANNON_DIVERGENCE"][0] > 0.1
  page = (tmp_path / "monitor" / monitoring.DASHBOARD_FILE).read_text()
  assert "4 windows, 800 rows" in page and "served versions 1" in page
  _check_in_chromium(tmp_path, page, features=2, alerting_dots=6)


def _check_in_chromium(tmp_path, page, features, alerting_dots):
  import re  # pylint: disable=import-outside-toplevel
  import shutil  # pylint: disable=import-outside-toplevel
  import subprocess  # pylint: disable=import-outside-toplevel
  if shutil.which("chromium") is None:
    return
  script = ("document.body.setAttribute('data-out', [document.querySelectorAll('svg').length,"
            "document.querySelectorAll('svg circle').length, document.querySelectorAll("
            "'svg polyline').length, document.documentElement.scrollWidth].join('|'));")
  path = tmp_path / "dashboard.html"
  path.write_text(page.replace("</body>", "<script>%s</script></body>" % script))
  if os.environ.get("TEST_UNDECLARED_OUTPUTS_DIR"):  # Kept by Bazel, to look at.
    shutil.copy(path, os.environ["TEST_UNDECLARED_OUTPUTS_DIR"])
  dom = subprocess.run([shutil.which("chromium"), "--headless", "--no-sandbox", "--disable-gpu",
                        "--window-size=1280,900", "--dump-dom", path.as_uri()],
                       capture_output=True, text=True, timeout=120, check=True).stdout
  charts, dots, lines, width = map(int, re.search(r'data-out="([^"]*)"', dom).group(1).split("|"))
  assert charts == features and dots == alerting_dots and lines >= 4 * features
  assert width <= 1280


def test_an_unreachable_webhook_never_blocks_and_gives_up_after_its_retries():
  import time  # pylint: disable=import-outside-toplevel
  sink = monitoring.WebhookSink("http://127.0.0.1:9/alerts", timeout_seconds=0.2, retries=2,
                                backoff_seconds=0.01)
  started = time.time()
  for i in range(3):
    sink({"window_index": i})
  assert time.time() - started < 0.1
  sink.close()
  assert sink.failed == 3 and sink.delivered == 0


def _log_file(directory, name, seconds, x, scores=None, first_id=0):
  """A request-log file as the server writes it, with rows at these request times (and the
  model's `score` output, when given)."""
  import pyarrow.parquet as pq  # pylint: disable=import-outside-toplevel
  start = datetime.datetime(2026, 12, 7, tzinfo=datetime.timezone.utc)
  n = len(seconds)
  table = pa.table({
      "request_id": ["r%d" % i for i in range(first_id, first_id + n)],
      "example_index": pa.array([0] * n, pa.int32()),
      "time": pa.array([start + datetime.timedelta(seconds=s) for s in seconds],
                       pa.timestamp("us", tz="UTC")),
      "model_name": ["m"] * n, "model_version": [3] * n, "signature_name": ["serving_default"] * n,
      "frontend": ["REST"] * n, "latency_us": [10] * n,
      "inputs": pa.StructArray.from_arrays([pa.array([[v] for v in x], pa.list_(pa.float32()))],
                                           ["x"]),
      "outputs": pa.StructArray.from_arrays([pa.array(
          [[v] for v in (x if scores is None else scores)], pa.list_(pa.float32()))],
                                            ["score"])})
  os.makedirs(directory, exist_ok=True)
  pq.write_table(table, os.path.join(directory, name))


def test_time_windows_finalize_after_their_lateness_and_count_late_rows(tmp_path, caplog):
  from tfx_core.metadata import MetadataStore  # pylint: disable=import-outside-toplevel
  rng = np.random.default_rng(2)
  baseline = validation.generate_statistics(pa.table({"x": rng.normal(size=1000)}))
  schema = validation.infer_schema(baseline)
  store = MetadataStore("sqlite:///%s" % (tmp_path / "md.sqlite"))
  directory = str(tmp_path / "logs" / "m")
  make = lambda: monitoring.Monitor(str(tmp_path / "logs"), "m", baseline, schema, store,  # noqa: E731
                                    str(tmp_path / "out"), window_seconds=60,
                                    allowed_lateness_seconds=10)
  _log_file(directory, "a.parquet", [0, 20, 50], rng.normal(size=3))
  _log_file(directory, "b.parquet", [70, 100, 130], rng.normal(size=3))
  windows = make().run_once()
  # [0, 60) ends 70 s before the newest row (130 s): final; [60, 120) just makes it; [120, 180) not.
  assert [(w.start.second, w.start.minute, w.rows) for w in windows] == [(0, 0, 3), (0, 1, 2)]
  _log_file(directory, "c.parquet", [30, 200], rng.normal(size=2))  # 30 s: too late.
  windows = make().run_once()
  assert [(w.start.minute, w.rows) for w in windows] == [(2, 1)]
  assert "1 rows arrived after their window was finalized" in caplog.text
  rest = make().run_once(flush=True)
  assert [(w.start.minute, w.rows, w.model_versions) for w in rest] == [(3, 1, [3])]


def _monitor_cli(*args):
  import subprocess  # pylint: disable=import-outside-toplevel
  return subprocess.run([sys.executable, "-m", "tfx_core.monitoring.monitor_main", *args],
                        capture_output=True, text=True, timeout=300, check=False)


def test_the_monitor_command_passes_once_and_refuses_bad_flags(tmp_path):
  rng = np.random.default_rng(4)
  baseline = validation.generate_statistics(pa.table({"x": rng.normal(size=1000)}))
  schema = validation.infer_schema(baseline)
  schema.feature[0].skew_comparator.jensen_shannon_divergence.threshold = 0.1
  stats_path, schema_path = str(tmp_path / "FeatureStats.pb"), str(tmp_path / "schema.pbtxt")
  validation.write_statistics(baseline, stats_path)
  validation.write_schema(schema, schema_path)
  _log_file(str(tmp_path / "logs" / "m"), "a.parquet", list(range(0, 100)),
            rng.normal(size=100))
  _log_file(str(tmp_path / "logs" / "m"), "b.parquet", list(range(100, 200)),
            rng.normal(loc=3.0, size=100))
  flags = ["--log_dir=%s" % (tmp_path / "logs"), "--model_name=m",
           "--baseline_statistics=" + stats_path, "--schema=" + schema_path, "--window=100rows",
           "--alerts_jsonl=%s" % (tmp_path / "alerts.jsonl")]
  marker = tmp_path / "retrained.txt"
  retrain = ["--retrain_command=%s -c \"import os; open('%s', 'w').write(os.environ['%s'])\"" % (
      sys.executable, marker, monitoring.REASON_ENV), "--retrain_min_interval_seconds=0"]
  done = _monitor_cli(*flags, *retrain, "--once")
  assert done.returncode == 0, done.stderr
  # The skew alert started the retraining command (waited for before the command exits).
  assert marker.read_text() == "alert: skew of x"
  lines = done.stdout.splitlines()
  assert lines == ["window rows: 100 rows, versions 3: no alerts",
                   "window rows: 100 rows, versions 3: skew x"], done.stdout
  assert "ALERT ERROR skew of x on m (window 1)" in done.stderr
  assert _monitor_cli(*flags, "--once").stdout == ""  # Both files were consumed.
  assert os.path.isfile(tmp_path / "logs" / "m.monitor" / "metadata.sqlite")

  for bad, message in [(["--window=5min"], "--window must be"),
                       (["--default_thresholds=psi:1"], "is not <comparator>:<threshold>"),
                       (["--baseline_statistics=%s" % (tmp_path / "nope.pb")], "No such file"),
                       ([], "give --once or --follow")]:
    args = flags + bad + ([] if "give --once" in message else ["--once"])
    done = _monitor_cli(*args)
    assert done.returncode != 0 and message in done.stderr, (bad, done.stderr[-500:])


def test_logged_traffic_with_late_labels_becomes_the_next_examplegen_span(tmp_path):
  from tfx_core import data  # pylint: disable=import-outside-toplevel
  directory = str(tmp_path / "logs" / "m")
  _log_file(directory, "a.parquet", [0, 1, 2, 3], [1.0, 2.0, 3.0, 4.0])
  table = monitoring.read_request_log(monitoring.log_files(str(tmp_path / "logs"), "m"))
  base = tmp_path / "data"
  (base / "span-4").mkdir(parents=True)
  pa.parquet.write_table(pa.table({"x": [0.0], "label": [0]}), str(base / "span-4" / "data.parquet"))
  feedback = tmp_path / "feedback.csv"
  feedback.write_text("request_id,label\nr3,1\nr0,0\nr9,1\n")  # r9 was never logged.
  span, path, rows, unlabelled = monitoring.export_span(
      table, monitoring.read_feedback(str(feedback)), str(base))
  assert (span, rows, unlabelled) == (5, 2, 2) and path == str(base / "span-5" / "data.parquet")
  exported = pa.parquet.read_table(path).sort_by("x")
  assert exported.to_pydict() == {"x": [1.0, 4.0], "label": [0, 1]}
  resolved = data.resolve(str(base), {"train": "span-{SPAN}/data.parquet"})
  assert resolved.span == 5 and resolved.files["train"] == [path]
  with pytest.raises(ValueError, match="more than once"):
    monitoring.export_span(table, pa.table({"request_id": ["r1", "r1"], "label": [0, 1]}),
                           str(base))
  with pytest.raises(ValueError, match="needs a request_id column"):
    monitoring.export_span(table, pa.table({"id": ["r1"]}), str(base))
  with pytest.raises(FileExistsError, match="span 5 already exists"):
    monitoring.export_span(table, pa.table({"request_id": ["r1"], "label": [0]}), str(base),
                           span=5)


def test_optional_measures_psi_ks_wasserstein_and_chi_squared(tmp_path):
  from tfx_core.monitoring import _measures  # pylint: disable=import-outside-toplevel
  # Q(s, x): chi-squared p-values with 2 degrees of freedom are exp(-x/2); with 1, 0.05 at 3.841.
  assert _measures._upper_gamma(1.0, 1.5) == pytest.approx(np.exp(-1.5), rel=1e-9)
  assert _measures._upper_gamma(0.5, 3.841 / 2) == pytest.approx(0.05, abs=1e-4)
  # Integer s: Q(s, x) = exp(-x) * sum of x^k / k! for k < s.
  assert _measures._upper_gamma(5.0, 30.0) == pytest.approx(
      np.exp(-30) * sum(30.0 ** k / math.factorial(k) for k in range(5)), rel=1e-9)

  rng = np.random.default_rng(8)
  colors = np.array(["red", "green", "blue"])
  baseline = validation.generate_statistics(pa.table({
      "x": rng.normal(size=20000), "color": colors[rng.integers(0, 3, 20000)]}))
  same = validation.generate_statistics(pa.table({
      "x": rng.normal(size=2000), "color": colors[rng.integers(0, 3, 2000)]}))
  moved = validation.generate_statistics(pa.table({
      "x": rng.normal(loc=1.0, size=2000), "color": rng.choice(colors, 2000, p=[.6, .2, .2])}))
  feature = lambda stats, name: validation.get_feature(stats, name)  # noqa: E731
  m = lambda name, stats, f: monitoring.measure(name, feature(baseline, f), feature(stats, f))  # noqa: E731
  assert m(_measures.PSI, same, "x") < 0.05 and m(_measures.PSI, moved, "x") > 0.5
  assert m(_measures.KS, same, "x") < 0.05 and 0.3 < m(_measures.KS, moved, "x") < 0.45
  assert m(_measures.WASSERSTEIN, same, "x") < 0.1
  assert 0.85 < m(_measures.WASSERSTEIN, moved, "x") < 1.15  # One standard deviation.
  assert m(_measures.CHI2, same, "color") > 0.01 and m(_measures.CHI2, moved, "color") < 1e-9
  assert m(_measures.KS, same, "color") is None and m(_measures.CHI2, same, "x") is None

  measures = monitoring.parse_measures("psi:0.2,ks:0.1,wasserstein:0.1,chi2:0.05")
  schema = validation.infer_schema(baseline)
  window = monitoring.compare_window(moved, baseline, schema, same, None, None, None, 2000, [1],
                                     measures)
  raised = {(kind, f, d.split(" between")[0]) for kind, f, d, _ in monitoring.alerts(window)}
  assert {("skew", "x", "The psi"), ("skew", "x", "The kolmogorov smirnov"),
          ("skew", "x", "The wasserstein"), ("skew", "color", "The chi squared p value"),
          ("drift", "x", "The psi")} <= raised
  assert window.distances["x"]["skew"]["PSI"][1] == 0.2
  with pytest.raises(ValueError, match="give name:threshold"):
    monitoring.parse_measures("psi")


def test_model_quality_per_window_from_late_labels_against_the_eval_config(tmp_path):
  import tfx_core.evaluation as tfma  # pylint: disable=import-outside-toplevel
  rng = np.random.default_rng(9)
  directory = str(tmp_path / "logs" / "m")
  scores = rng.random(600)
  _log_file(directory, "a.parquet", list(range(600)), rng.normal(size=600), scores)
  # The first 300 labels agree with the scores, the last 300 contradict them.
  good = (rng.random(300) < scores[:300]).astype(np.int64)
  bad = (rng.random(300) > scores[300:]).astype(np.int64)
  feedback = pa.table({"request_id": ["r%d" % i for i in range(600)],
                       "clicked": np.concatenate([good, bad])})
  config = tfma.parse_eval_config("""
    model_specs { label_key: "clicked" }
    metrics_specs { metrics { class_name: "AUC"
                              threshold { value_threshold { lower_bound { value: 0.6 } } } }
                    metrics { class_name: "ExampleCount" } }
    slicing_specs {}""")
  predictions = monitoring.read_predictions(monitoring.log_files(str(tmp_path / "logs"), "m"),
                                            "score")
  np.testing.assert_allclose(predictions.column("prediction").to_numpy(), scores, rtol=1e-6)
  windows = monitoring.model_quality(predictions, feedback.slice(0, 550), config, seconds=300)
  assert [(w.rows, w.model_versions) for w in windows] == [(300, [3]), (250, [3])]
  assert windows[0].metrics["auc"] > 0.75 and windows[1].metrics["auc"] < 0.25
  assert windows[0].metrics["example_count"] == 300
  assert windows[0].failures == [] and len(windows[1].failures) == 1
  assert "auc" in windows[1].failures[0]
  with pytest.raises(monitoring.RequestLogError, match="no output 'logits'"):
    monitoring.read_predictions(monitoring.log_files(str(tmp_path / "logs"), "m"), "logits")


def test_the_metadata_store_lock_admits_one_holder_until_release_or_expiry(tmp_path):
  import time  # pylint: disable=import-outside-toplevel
  from tfx_core.metadata import MetadataStore  # pylint: disable=import-outside-toplevel
  url = "sqlite:///%s" % (tmp_path / "md.sqlite")
  a, b = MetadataStore(url), MetadataStore(url)  # Two processes' connections.
  assert a.acquire_lock("retrain", "A", 60, {"note": "first"})
  assert not b.acquire_lock("retrain", "B", 60)
  assert a.acquire_lock("retrain", "A", 60)  # Its own: renewed.
  assert not b.release_lock("retrain", "B")
  b.set_lock_properties("retrain", {"rows": 5})
  assert a.release_lock("retrain", "A", {"done": 1})
  assert b.lock_properties("retrain") == {"note": "first", "rows": 5, "done": 1}
  assert b.acquire_lock("retrain", "B", 0.2)
  time.sleep(0.3)
  assert a.acquire_lock("retrain", "A", 60)  # B's lease ran out (B died, say).


def test_retrain_trigger_runs_once_at_a_time_with_a_minimum_interval(tmp_path):
  import sys  # pylint: disable=import-outside-toplevel
  from tfx_core.metadata import MetadataStore  # pylint: disable=import-outside-toplevel
  store = MetadataStore("sqlite:///%s" % (tmp_path / "md.sqlite"))
  marker = tmp_path / "runs.txt"
  command = [sys.executable, "-c", "import os, time; time.sleep(1); open(%r, 'a').write("
             "os.environ['%s'] + '\\n')" % (str(marker), monitoring.REASON_ENV)]
  first = monitoring.RetrainTrigger(store, command, every_rows=100, min_interval_seconds=0)
  second = monitoring.RetrainTrigger(store, command, every_rows=100, min_interval_seconds=0)
  assert first.maybe_run(rows=60) is None  # 60 rows: not yet.
  assert first.maybe_run(rows=50) == ["rows: 110 new rows"]
  assert second.maybe_run(rows=500) is None  # The first run holds the lock...
  assert first.maybe_run() is None  # ...also against its own trigger.
  assert first.wait() == 0
  assert marker.read_text() == "rows: 110 new rows\n"
  assert second.maybe_run(rows=100) == ["rows: 600 new rows"]  # Counted meanwhile.
  second.wait()
  # A minimum interval holds off even a due trigger; an alert is a reason of its own.
  spaced = monitoring.RetrainTrigger(store, command, every_rows=1, min_interval_seconds=3600)
  assert spaced.maybe_run(rows=5) is None
  base = tmp_path / "data"
  (base / "span-1").mkdir(parents=True)
  (base / "span-1" / "a.csv").write_text("x\n1\n")
  on_span = monitoring.RetrainTrigger(store, command, name="spans", on_alert_kinds=(),
                                      span_dir=str(base), span_pattern="span-{SPAN}/*",
                                      min_interval_seconds=0)
  assert on_span.maybe_run() == ["span: new span 1"]
  on_span.wait()
  assert on_span.maybe_run() is None  # Span 1 was seen.
  (base / "span-2").mkdir()
  (base / "span-2" / "a.csv").write_text("x\n2\n")
  assert on_span.maybe_run() == ["span: new span 2"]
  assert on_span.wait() == 0
  assert marker.read_text().splitlines()[-1] == "span: new span 2"
