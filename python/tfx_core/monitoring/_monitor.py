"""The monitor: reads each new file of the server's request log exactly once, adds its rows to
their windows' C++ statistics accumulators, and finalizes a window once the log has moved past
it (plus an allowed lateness): its statistics and anomalies become ExampleStatistics and
ExampleAnomalies artifacts, and its alerts go to the sinks.

Exactly once, across restarts: a pass is one metadata-store execution, published in one
transaction with the log files it consumed (RequestLog artifacts), the windows it finalized and
the state of the windows still open (MonitorState: their accumulators, serialized). A pass
that dies before publishing leaves nothing behind the next pass would trust; it re-reads the
same files.
"""

import datetime
import json
import logging
import os
import shutil
import tempfile
import uuid

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tfx_core import metadata as md
from tfx_core import types, validation
from tfx_core._native import ext
from tfx_core.monitoring._request_log import (METADATA_COLUMNS, RequestLogError, log_files,
                                              read_request_log)
from tfx_core.monitoring._dashboard import dashboard_html
from tfx_core.monitoring._windows import Window, alerts, compare_window, distances
from tfx_core.proto import anomalies_pb2
from tfx_core.proto.anomalies_pb2 import AnomalyInfo
from tfx_core.validation import _statistics

log = logging.getLogger("tfx_core.monitoring")

CONTEXT_TYPE = "Monitor"
EXECUTION_TYPE = "MonitorPass"
DASHBOARD_FILE = "dashboard.html"  # Under output_dir, rewritten after every pass.
MEASURES_FILE = "measures.json"  # A window's optional measures, in its ExampleAnomalies.
_STATE_FILE = "state.json"
_ALL = validation.ALL_EXAMPLES


@types.register
class RequestLog(types.Artifact):
  """A finished file of the model server's request log, as a monitor pass consumed it."""
  TYPE_NAME = "RequestLog"
  PROPERTIES = {"rows": md.INT}


@types.register
class MonitorState(types.Artifact):
  """The windows still open after a pass: state.json and one accumulator file per window."""
  TYPE_NAME = "MonitorState"


class Monitor:
  """Monitors one model's request log against its training baseline.

  window_seconds / window_rows: tumbling windows of request time (aligned to the Unix epoch)
  or of logged rows. allowed_lateness_seconds: how long after a time window ends rows may
  still arrive (the server publishes a file up to its --request_log_max_file_seconds after its
  first request); later rows are counted as late and left out. sinks: callables taking an alert
  dict. cooldown_windows: a persisting alert fires again only after this many windows.
  measures: {measure: threshold} of optional distances (PSI, KS, Wasserstein, chi-squared; see
  parse_measures) computed for every feature besides the schema's comparators. trigger: a
  RetrainTrigger told after every pass what it finalized and how many rows it read.
  """

  def __init__(self, log_dir, model_name, baseline, schema, store, output_dir,
               window_seconds=None, window_rows=None, allowed_lateness_seconds=60.0,
               default_thresholds=None, measures=None, sinks=(), cooldown_windows=10,
               trigger=None):
    if (window_seconds is None) == (window_rows is None):
      raise ValueError("Monitor: give window_seconds or window_rows")
    if (window_seconds is not None and window_seconds <= 0) or (
        window_rows is not None and window_rows < 1):
      raise ValueError("Monitor: the window must be positive")
    self.log_dir, self.model_name = log_dir, model_name
    self.baseline, self.schema, self.store = baseline, schema, store
    self.output_dir = output_dir
    self.window_us = int(window_seconds * 1e6) if window_seconds is not None else None
    self.window_rows = window_rows
    self.lateness_us = int(allowed_lateness_seconds * 1e6)
    self.default_thresholds = default_thresholds
    self.measures = dict(measures or {})
    self.sinks = list(sinks)
    self.cooldown_windows = cooldown_windows
    self.trigger = trigger

  # ---- state ----

  def _context(self):
    return self.store.get_or_create_context(CONTEXT_TYPE, "%s@%s" % (
        self.model_name, os.path.abspath(self.log_dir)))

  def _load_state(self, context):
    found = self.store.get_artifacts(type_name=MonitorState.TYPE_NAME, context_id=context.id,
                                     newest_first=True, limit=1)
    state = {"open": {}, "previous": None, "finalized": 0, "next_key": None, "rows": 0,
             "late_rows": 0, "fired": {}, "newest_us": 0}
    accumulators, previous = {}, None
    if found:
      uri = found[0].uri
      with open(os.path.join(uri, _STATE_FILE)) as f:
        state = json.load(f)
      for key in state["open"]:
        with open(os.path.join(uri, key + ".acc"), "rb") as f:
          accumulators[key] = ext.statistics.Accumulator.deserialize(f.read())
      if state["previous"]:
        previous = validation.load_statistics(os.path.join(uri, "previous.pb"))
    return state, accumulators, previous

  def _save_state(self, state, accumulators, previous):
    uri = os.path.join(self.output_dir, "state", uuid.uuid4().hex)
    os.makedirs(uri)
    for key, acc in accumulators.items():
      with open(os.path.join(uri, key + ".acc"), "wb") as f:
        f.write(acc.serialize())
    if previous is not None:
      validation.write_statistics(previous, os.path.join(uri, "previous.pb"))
    state["previous"] = previous is not None
    with open(os.path.join(uri, _STATE_FILE), "w") as f:
      json.dump(state, f)
    artifact = MonitorState()
    artifact.uri = uri
    return artifact

  # ---- windows ----

  def _window_keys(self, table, state):
    """Each row's window key (an integer) and which rows to use (not those of a time window
    already finalized)."""
    if self.window_us is not None:
      micros = pc.cast(table.column("time"), pa.int64()).to_numpy()
      keys = micros // self.window_us
      closed = state["next_key"]
      keep = keys >= closed if closed is not None else np.ones(len(keys), bool)
      return keys, keep
    keys = (state["rows"] + np.arange(table.num_rows)) // self.window_rows
    return keys, np.ones(len(keys), bool)

  def _add(self, table, state, accumulators):
    keys, keep = self._window_keys(table, state)
    late = int((~keep).sum())
    if late:
      state["late_rows"] += late
      log.warning("monitor %s: %d rows arrived after their window was finalized (clocks that "
                  "disagree, or lateness above %.0f s); left out", self.model_name, late,
                  self.lateness_us / 1e6)
    features = table.select([n for n in table.column_names if n not in METADATA_COLUMNS])
    versions = table.column("model_version").to_numpy()
    for key in sorted(set(keys[keep].tolist())):
      mask = (keys == key) & keep
      part = features.filter(pa.array(mask))
      name = "%020d" % key  # Zero-padded: the state's names sort as the windows do.
      accs = {_ALL: accumulators[name]} if name in accumulators else {}
      accumulators[name] = _statistics.add_batch(accs, part, validation.StatsOptions())[_ALL]
      entry = state["open"].setdefault(name, {"rows": 0, "versions": []})
      entry["rows"] += part.num_rows
      entry["versions"] = sorted(set(entry["versions"]) | set(versions[mask].tolist()))
    state["rows"] += table.num_rows

  def _due(self, state, newest_us, flush):
    """Open windows to finalize now, oldest first."""
    names = sorted(state["open"])
    if flush:
      return names
    if self.window_us is not None:
      return [n for n in names if (int(n) + 1) * self.window_us + self.lateness_us <= newest_us]
    return [n for n in names if state["open"][n]["rows"] >= self.window_rows]

  # ---- a pass ----

  def run_once(self, flush=False):
    """Reads the new log files, finalizes the windows that are due (every open one with
    `flush`) and publishes the pass. Returns the finalized windows."""
    context = self._context()
    consumed = {a.uri for a in self.store.get_artifacts(type_name=RequestLog.TYPE_NAME,
                                                        context_id=context.id)}
    new = [f for f in log_files(self.log_dir, self.model_name) if f not in consumed]
    state, accumulators, previous = self._load_state(context)
    inputs, newest_us = [], state["newest_us"]
    for path in new:
      artifact = RequestLog()
      artifact.uri = path
      try:
        table = read_request_log([path], self.schema)
      except RequestLogError as e:
        log.error("%s (skipped; the file is kept)", e)
        artifact.set("rows", 0)
        artifact.set("error", str(e))
        inputs.append(artifact)
        continue
      artifact.set("rows", table.num_rows)
      inputs.append(artifact)
      if table.num_rows:
        self._add(table, state, accumulators)
        newest_us = max(newest_us, pc.max(pc.cast(table.column("time"), pa.int64())).as_py())
    state["newest_us"] = newest_us
    finalized, outputs = [], []
    for name in self._due(state, newest_us, flush):
      entry = state["open"].pop(name)
      stats = _statistics.to_proto({_ALL: accumulators.pop(name)}, validation.StatsOptions())
      window = compare_window(stats, self.baseline, self.schema, previous,
                              self.default_thresholds, *self._bounds(int(name)),
                              entry["rows"], entry["versions"], self.measures)
      finalized.append(window)
      outputs += self._write_window(window, state["finalized"])
      self._alert(window, state)
      state["finalized"] += 1
      previous = stats
      if self.window_us is not None:
        state["next_key"] = int(name) + 1
    rows_read = sum(a.get("rows") for a in inputs)
    if not inputs and not finalized:
      if self.trigger is not None:
        self.trigger.maybe_run()
      return []
    outputs.append(self._save_state(state, accumulators, previous))
    served = self._pushed_models({v for w in finalized for v in w.model_versions})
    self._publish(context, inputs + served, outputs)
    if finalized:
      self._write_dashboard()
    if self.trigger is not None:
      self.trigger.maybe_run(finalized, rows_read)
    return finalized

  def history(self):
    """Every window finalized so far, in order (statistics left out), from the store."""
    context = self._context()
    windows = []
    for record in self.store.get_artifacts(type_name=types.ExampleAnomalies.TYPE_NAME,
                                           context_id=context.id):
      artifact = types.ExampleAnomalies(record)
      checked = {}
      for split in ("skew", "drift"):
        checked[split] = anomalies_pb2.Anomalies()
        with open(artifact.anomalies_path(split), "rb") as f:
          checked[split].ParseFromString(f.read())
      with open(os.path.join(artifact.uri, MEASURES_FILE)) as f:
        measured = {feature: {kind: {name: tuple(v) for name, v in values.items()}
                              for kind, values in kinds.items()}
                    for feature, kinds in json.load(f).items()}
      start, end = (artifact.get(k) for k in ("window_start", "window_end"))
      windows.append((artifact.get("window_index"), Window(
          datetime.datetime.fromisoformat(start) if start else None,
          datetime.datetime.fromisoformat(end) if end else None, artifact.get("rows"),
          [int(v) for v in artifact.get("model_versions").split(",") if v], None,
          checked["skew"], checked["drift"], measured,
          distances(checked["skew"], checked["drift"], measured))))
    return [w for _, w in sorted(windows, key=lambda iw: iw[0])]

  def _write_dashboard(self):
    path = os.path.join(self.output_dir, DASHBOARD_FILE)
    with open(path + ".tmp", "w") as f:
      f.write(dashboard_html(self.model_name, self.history()))
    os.replace(path + ".tmp", path)

  def _bounds(self, key):
    if self.window_us is None:
      return None, None
    return tuple(datetime.datetime.fromtimestamp(k * self.window_us / 1e6,
                                                 datetime.timezone.utc) for k in (key, key + 1))

  def _write_window(self, window, index):
    """The window's ExampleStatistics and ExampleAnomalies (splits "skew": the baseline against
    the window; "drift": the window against the schema and the window before)."""
    parent = os.path.join(self.output_dir, "windows")
    os.makedirs(parent, exist_ok=True)
    directory = os.path.join(parent, "%08d" % index)
    staging = tempfile.mkdtemp(prefix=".window-", dir=parent)
    stats, anomalies = types.ExampleStatistics(), types.ExampleAnomalies()
    stats.uri = os.path.join(directory, "statistics")
    anomalies.uri = os.path.join(directory, "anomalies")
    for artifact in (stats, anomalies):
      artifact.set("window_index", index)
      artifact.set("rows", window.rows)
      artifact.set("model_versions", ",".join(str(v) for v in window.model_versions))
      if window.start is not None:
        artifact.set("window_start", window.start.isoformat())
        artifact.set("window_end", window.end.isoformat())
    stats.split_names = ["window"]
    anomalies.split_names = ["skew", "drift"]
    staged = {a: a.uri.replace(directory, staging, 1) for a in (stats, anomalies)}
    os.makedirs(os.path.join(staged[stats], "Split-window"))
    validation.write_statistics(window.statistics,
                                os.path.join(staged[stats], "Split-window", types.STATS_FILE))
    for split, proto in (("skew", window.skew), ("drift", window.anomalies)):
      os.makedirs(os.path.join(staged[anomalies], "Split-" + split))
      with open(os.path.join(staged[anomalies], "Split-" + split, types.ANOMALIES_FILE),
                "wb") as f:
        f.write(proto.SerializeToString(deterministic=True))
    with open(os.path.join(staged[anomalies], MEASURES_FILE), "w") as f:
      json.dump(window.measured, f, sort_keys=True)
    shutil.rmtree(directory, ignore_errors=True)  # Left by a pass that died unpublished.
    os.rename(staging, directory)
    return [stats, anomalies]

  def _alert(self, window, state):
    """Fires the window's alerts, each at most once per cooldown_windows while it persists."""
    index = state["finalized"]
    raised = {}
    for kind, feature, description, severity in alerts(window):
      raised.setdefault("%s:%s" % (kind, feature), (kind, feature, description, severity))
    for key in list(state["fired"]):
      if key not in raised:
        del state["fired"][key]  # Resolved: the next occurrence fires at once.
    for key, (kind, feature, description, severity) in sorted(raised.items()):
      last = state["fired"].get(key)
      if last is not None and index - last < self.cooldown_windows:
        continue
      state["fired"][key] = index
      alert = {"model": self.model_name, "window_index": index, "kind": kind,
               "feature": feature, "description": description,
               "severity": AnomalyInfo.Severity.Name(severity), "rows": window.rows,
               "model_versions": window.model_versions,
               "window_start": window.start.isoformat() if window.start else None,
               "window_end": window.end.isoformat() if window.end else None}
      for sink in self.sinks:
        sink(alert)

  def _pushed_models(self, versions):
    """The Pusher's PushedModel artifacts of these served versions (when this store has them),
    so the windows' lineage reaches the model that answered."""
    if not versions:
      return []
    found = []
    for record in self.store.get_artifacts(type_name=types.PushedModel.TYPE_NAME):
      pushed = types.PushedModel(record)
      version = pushed.get("pushed_version")
      if version is not None and version.isdigit() and int(version) in versions:
        found.append(pushed)
    return found

  def _publish(self, context, inputs, outputs):
    for artifact in inputs + outputs:
      self.store.put_type(md.ARTIFACT, artifact.TYPE_NAME, type(artifact).PROPERTIES)
    self.store.put_type(md.EXECUTION, EXECUTION_TYPE)
    execution = md.Execution(type=EXECUTION_TYPE, state=md.Execution.COMPLETE)
    pairs = [(a.record, md.Event(type=md.Event.INPUT)) for a in inputs]
    pairs += [(a.record, md.Event(type=md.Event.OUTPUT)) for a in outputs]
    self.store.publish_execution(execution, pairs, [context])

