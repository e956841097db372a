"""The continuous loop on the penguins, end to end with real processes on loopback:

1. the penguin pipeline trains and pushes version 1 (its ExampleGen reads every span of
   `data/penguin/span-{SPAN}/*`; span 0 is the bundled data);
2. the model server serves it with its request log on, and a client sends one penguin per
   request (X-Request-Id = the row), first as the training data was, then from the skewed
   penguins with culmen_length_mm read by a miscalibrated sensor (+SHIFT); their labels
   arrive as feedback;
3. the monitor reads the log in windows of --window_rows rows, flags skew against the training
   statistics, and its trigger starts `penguin_loop --retrain` (one run at a time, a lock in
   the metadata store);
4. that run exports the logged traffic and its labels as span 1, reruns the pipeline (the
   Evaluator compares the new model with version 1 and blesses or refuses it, with the
   reason), and the Pusher pushes version 2;
5. the server hot-reloads version 2 while the client keeps sending, and the monitor's next
   windows are attributed to it. Failed requests are counted throughout.

    bazel run //python:penguin_loop -- --workdir=/tmp/penguin_loop
"""

import base64
import json
import os
import shutil
import sys
import threading
import time

from absl import app, flags

flags.DEFINE_string("workdir", None, "Where the loop keeps its data, pipeline root, logs and "
                    "monitor (created; an existing one is reused).")
flags.DEFINE_integer("window_rows", 100, "Rows per monitoring window.", lower_bound=10)
flags.DEFINE_float("shift", 0.3, "What the miscalibrated sensor adds to culmen_length_mm.")
flags.DEFINE_integer("train_steps", 200, "Trainer steps of each run.", lower_bound=1)
flags.DEFINE_bool("retrain", False, "The trigger's command: export the logged traffic as a new "
                  "span and rerun the pipeline.")
FLAGS = flags.FLAGS

MODEL = "penguin"
LABEL = "species"
SHIFTED = "culmen_length_mm"
# JSD between a window and the training statistics above this is skew (100-row windows of the
# training distribution stay well under it; the shifted feature goes far over).
THRESHOLDS = {"jensen_shannon_divergence": 0.3}
# After a retraining run, how long to wait for the server to find a pushed version (it polls
# every second) before concluding that nothing was pushed.
_RELOAD_WAIT_SECONDS = 15


def _paths(workdir):
  return {"data": os.path.join(workdir, "data"), "root": os.path.join(workdir, "root"),
          "logs": os.path.join(workdir, "request_logs"),
          "monitor": os.path.join(workdir, "monitor"),
          "feedback": os.path.join(workdir, "feedback.parquet"),
          "schema": os.path.join(workdir, "serving_schema.pbtxt")}


def _pipeline(paths, train_steps):
  from tfx_core.examples import penguin_pipeline  # pylint: disable=import-outside-toplevel
  return penguin_pipeline.create_pipeline(
      paths["root"], data_root=paths["data"], enable_tuning=False, train_steps=train_steps,
      input_pattern="span-{SPAN}/*")


def _prepare_data(paths):
  """Span 0: the bundled penguins (as Parquet, the features float32 as tf.Example holds them),
  and the skewed penguins the serving side of the pipeline reads."""
  import pyarrow as pa  # pylint: disable=import-outside-toplevel
  import pyarrow.csv as pacsv  # pylint: disable=import-outside-toplevel
  import pyarrow.parquet as pq  # pylint: disable=import-outside-toplevel
  from tfx_core.examples import penguin_pipeline  # pylint: disable=import-outside-toplevel
  span0 = os.path.join(paths["data"], "penguin", "span-0")
  if not os.path.isdir(span0):
    table = pacsv.read_csv(os.path.join(penguin_pipeline.DATA_ROOT, "penguin",
                                        "penguins_processed.csv"))
    table = table.cast(pa.schema([pa.field(n, pa.int64() if n == LABEL else pa.float32())
                                  for n in table.column_names]))
    os.makedirs(span0)
    pq.write_table(table, os.path.join(span0, "data.parquet"))
  skewed = os.path.join(paths["data"], "penguin_skewed")
  if not os.path.isdir(skewed):
    shutil.copytree(os.path.join(penguin_pipeline.DATA_ROOT, "penguin_skewed"), skewed)


def _rows(path, shift=0.0, seed=0):
  """The file's penguins in a fixed random order (the file is sorted by species, which no
  traffic is), with `shift` added to the shifted feature."""
  import random  # pylint: disable=import-outside-toplevel
  import pyarrow.csv as pacsv  # pylint: disable=import-outside-toplevel
  rows = pacsv.read_csv(path).to_pylist()
  random.Random(seed).shuffle(rows)
  for row in rows:
    row[SHIFTED] += shift
  return rows


def _example(row):
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  example = tf.train.Example()
  for name, value in row.items():
    if name != LABEL:
      example.features.feature[name].float_list.value.append(float(value))
  return base64.b64encode(example.SerializeToString()).decode()


class _Client(threading.Thread):
  """Sends one penguin per request until stopped, counting failures; keeps each request's
  label (the feedback that arrives later)."""

  def __init__(self, url, normal, shifted, normal_count):
    super().__init__(daemon=True)
    from tfx_core import serving  # pylint: disable=import-outside-toplevel
    self.client = serving.RestClient(url, MODEL)
    self.normal, self.shifted, self.normal_count = normal, shifted, normal_count
    self.sent, self.failed, self.labels = 0, 0, []
    self.stop = threading.Event()
    self.lock = threading.Lock()

  def run(self):
    from tfx_core import serving  # pylint: disable=import-outside-toplevel
    while not self.stop.is_set():
      i = self.sent
      rows = self.normal if i < self.normal_count else self.shifted
      row = rows[i % len(rows)]
      request_id = "req-%d" % i
      try:
        self.client.predict(instances=[{"b64": _example(row)}], request_id=request_id)
        with self.lock:
          self.labels.append((request_id, int(row[LABEL])))
      except (serving.ServingError, OSError) as e:
        self.failed += 1
        print("loop: request %s failed: %s" % (request_id, e))
      self.sent += 1
      time.sleep(0.002)

  def write_feedback(self, path):
    import pyarrow as pa  # pylint: disable=import-outside-toplevel
    import pyarrow.parquet as pq  # pylint: disable=import-outside-toplevel
    with self.lock:
      ids, labels = zip(*self.labels) if self.labels else ((), ())
    pq.write_table(pa.table({"request_id": pa.array(ids, pa.string()),
                             LABEL: pa.array(labels, pa.int64())}), path + ".tmp")
    os.replace(path + ".tmp", path)


def _artifact(result, node, key):
  """The one artifact `node` gave as output `key` in this run, as its tfx_core.types class."""
  from tfx_core import types  # pylint: disable=import-outside-toplevel
  [record] = result.outputs[node][key]
  return types.artifact_class(record.type)(record)


def _failed(result):
  return [n for n, state in result.node_states.items() if state == "FAILED"]


def _serving_schema(result, path):
  """SchemaGen's schema with a SERVING environment that does not expect the label."""
  from tfx_core import validation  # pylint: disable=import-outside-toplevel
  schema = validation.load_schema(_artifact(result, "SchemaGen", "schema").schema_path)
  schema.default_environment[:] = ["TRAINING", "SERVING"]
  for feature in schema.feature:
    if feature.name == LABEL:
      feature.not_in_environment.append("SERVING")
  validation.write_schema(schema, path)
  return schema


def _versions(server):
  from tfx_core import serving  # pylint: disable=import-outside-toplevel
  status = serving.RestClient(server.rest_url, MODEL).status()["model_version_status"]
  return {int(s["version"]): s["state"] for s in status}


def retrain(workdir, train_steps):
  """The trigger's command: logged traffic + labels as the next span, then the pipeline."""
  from tfx_core import monitoring, validation  # pylint: disable=import-outside-toplevel
  from tfx_core.orchestration import LocalDagRunner  # pylint: disable=import-outside-toplevel
  paths = _paths(workdir)
  schema = validation.load_schema(paths["schema"])
  table = monitoring.read_request_log(monitoring.log_files(paths["logs"], MODEL), schema)
  feedback = monitoring.read_feedback(paths["feedback"])
  span, path, rows, unlabelled = monitoring.export_span(
      table, feedback, os.path.join(paths["data"], "penguin"))
  print("retrain: span %d: %d logged rows with labels (%d without) at %s" % (
      span, rows, unlabelled, path))
  result = LocalDagRunner().run(_pipeline(paths, train_steps))
  if _failed(result):
    print("retrain: the pipeline run failed at %s" % ", ".join(_failed(result)))
    return 1
  blessing = _artifact(result, "Evaluator", "blessing")
  pushed = _artifact(result, "Pusher", "pushed_model")
  print("retrain: Evaluator %s; Pusher %s" % (
      "blessed the new model" if blessing.get("blessed") else
      "refused it: %s" % blessing.get("failed_thresholds"),
      "pushed version %s" % pushed.get("pushed_version") if pushed.get("pushed") else
      "did not push: %s" % pushed.get("push_refused")))
  return 0


def run_loop(workdir, window_rows=100, shift=0.3, train_steps=200, timeout=600):
  """The whole loop; returns its summary (also printed as JSON)."""
  from tfx_core import metadata as md  # pylint: disable=import-outside-toplevel
  from tfx_core import monitoring, serving, validation  # pylint: disable=import-outside-toplevel
  from tfx_core.examples import penguin_pipeline  # pylint: disable=import-outside-toplevel
  from tfx_core.orchestration import LocalDagRunner  # pylint: disable=import-outside-toplevel
  paths = _paths(workdir)
  _prepare_data(paths)
  result = LocalDagRunner().run(_pipeline(paths, train_steps))
  if _failed(result):
    raise RuntimeError("the first pipeline run failed at %s" % ", ".join(_failed(result)))
  baseline = validation.load_statistics(
      _artifact(result, "StatisticsGen", "statistics").stats_path("train"))
  schema = _serving_schema(result, paths["schema"])
  pushed = _artifact(result, "Pusher", "pushed_model")
  first_version = int(pushed.get("pushed_version"))
  print("loop: version %d pushed" % first_version)

  store = md.MetadataStore("sqlite:///" + os.path.join(paths["root"], "metadata.sqlite"))
  command = [sys.executable, "-m", "tfx_core.examples.penguin_loop", "--retrain",
             "--workdir=" + workdir, "--train_steps=%d" % train_steps]
  trigger = monitoring.RetrainTrigger(store, command, on_alert_kinds=("skew",),
                                      min_interval_seconds=timeout,  # One retraining run.
                                      log_path=os.path.join(workdir, "retrain.log"))
  monitor = monitoring.Monitor(paths["logs"], MODEL, baseline, schema, store, paths["monitor"],
                               window_rows=window_rows, default_thresholds=THRESHOLDS,
                               sinks=[monitoring.LogSink()], trigger=trigger)
  data_dir = penguin_pipeline.DATA_ROOT
  normal = _rows(os.path.join(data_dir, "penguin", "penguins_processed.csv"))
  shifted = _rows(os.path.join(data_dir, "penguin_skewed", "penguins_processed.csv"), shift)
  base = os.path.join(paths["root"], penguin_pipeline.SERVING_MODEL_DIR)
  summary = {"first_version": first_version, "windows": []}
  with serving.ModelServer(base, model_name=MODEL, flags={
      "request_log_dir": paths["logs"], "request_log_max_file_seconds": 1,
      "file_system_poll_wait_seconds": 1}) as server:
    client = _Client(server.rest_url, normal, shifted, normal_count=3 * window_rows)
    client.start()
    deadline = time.time() + timeout
    started, retrained_at = None, time.time()
    while time.time() < deadline:
      time.sleep(1.0)
      client.write_feedback(paths["feedback"])
      first_of_pass = len(summary["windows"])
      for window in monitor.run_once():
        raised = sorted({"%s of %s" % (k, f) for k, f, _, _ in monitoring.alerts(window)
                         if k != "schema"})
        summary["windows"].append({"index": len(summary["windows"]), "rows": window.rows,
                                   "versions": window.model_versions, "alerts": raised})
        print("loop: window %d (versions %s): %s" % (
            len(summary["windows"]) - 1, window.model_versions, ", ".join(raised) or "no alerts"))
      if started is None and trigger.runs_started:  # This pass's first skew started it.
        started = next(w["index"] for w in summary["windows"][first_of_pass:]
                       if any(a.startswith("skew") for a in w["alerts"]))
      if trigger.running:
        retrained_at = time.time()
      elif trigger.runs_started:
        if trigger.last_returncode != 0:
          break  # The retraining run failed: its log says why.
        second = summary.get("second_version")
        if second is None:
          newer = [v for v, s in _versions(server).items()
                   if v > first_version and s == "AVAILABLE"]
          if newer:
            summary["second_version"] = max(newer)
          elif time.time() - retrained_at > _RELOAD_WAIT_SECONDS:
            break  # No new version: the Evaluator refused the new model.
        elif summary["windows"] and summary["windows"][-1]["versions"] == [second]:
          break  # Reloaded, and the monitor attributes the traffic to it.
    client.stop.set()
    client.join()
  summary.update(sent=client.sent, failed=client.failed, trigger_window=started,
                 retrain_returncode=trigger.last_returncode, retrain_runs=trigger.runs_started,
                 served_versions=sorted({v for w in summary["windows"] for v in w["versions"]}),
                 first_skew_window=next((w["index"] for w in summary["windows"]
                                         if any(a.startswith("skew of %s" % SHIFTED)
                                                for a in w["alerts"])), None))
  with open(os.path.join(workdir, "retrain.log")) as f:
    lines = [l.rstrip() for l in f]
  summary["retrain_log"] = [l for l in lines if l.startswith("retrain:")] or lines[-20:]
  summary["dashboard"] = os.path.join(paths["monitor"], monitoring.DASHBOARD_FILE)
  print(json.dumps(summary, indent=1))
  return summary


def main(argv):
  del argv
  if not FLAGS.workdir:
    raise app.UsageError("--workdir is required")
  from tfx_core.orchestration._cli import setup_logging, user_path  # pylint: disable=import-outside-toplevel
  setup_logging()
  workdir = user_path(FLAGS.workdir)
  if FLAGS.retrain:
    return retrain(workdir, FLAGS.train_steps)
  run_loop(workdir, FLAGS.window_rows, FLAGS.shift, FLAGS.train_steps)
  return 0


if __name__ == "__main__":
  app.run(main)
