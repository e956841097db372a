"""Retraining triggers: start a pipeline run when the monitor alerts, on a schedule, after N new
logged (or labelled) rows, or when a new input span appears; never two runs at once (a lock in
the metadata store, shared by every monitor process) and at most one per minimum interval."""

import logging
import os
import subprocess
import threading
import time
import uuid

from tfx_core.metadata import now_ms

log = logging.getLogger("tfx_core.monitoring")

REASON_ENV = "TFX_CORE_TRIGGER_REASON"  # Tells the started run why it was started.


class RetrainTrigger:
  """Runs `command` (an argv list, e.g. tfx-core-run --pipeline_module=... --pipeline_root=...)
  in the background when one of the conditions holds:

  on_alert_kinds: a finalized window raised an alert of one of these kinds ("skew", "drift",
    "schema"); every_seconds: this long since the last start; every_rows: this many rows
    observed since the last start; span_dir + span_pattern: a span newer than the last one
    seen appeared (tfx_core.data's patterns, e.g. "span-{SPAN}/*").

  The lock `name` in `store` guards the run (its lease, lock_ttl_seconds, covers a holder that
  died); min_interval_seconds separates starts. Its state (last start, rows since, last span)
  lives with the lock, so restarts and other processes see it.
  """

  def __init__(self, store, command, name="retrain", on_alert_kinds=("skew", "drift"),
               every_seconds=None, every_rows=None, span_dir=None, span_pattern=None,
               min_interval_seconds=3600.0, lock_ttl_seconds=6 * 3600.0, log_path=None):
    self.store, self.command, self.name = store, list(command), name
    self.on_alert_kinds = set(on_alert_kinds or ())
    self.every_seconds, self.every_rows = every_seconds, every_rows
    self.span_dir, self.span_pattern = span_dir, span_pattern
    self.min_interval_seconds = min_interval_seconds
    self.lock_ttl_seconds = lock_ttl_seconds
    self.log_path = log_path
    self.owner = "%s-%d-%s" % (os.uname().nodename, os.getpid(), uuid.uuid4().hex[:8])
    self._thread = None
    self.runs_started = 0
    self.last_returncode = None

  def _latest_span(self):
    from tfx_core import data  # pylint: disable=import-outside-toplevel
    try:
      return data.resolve(self.span_dir, {"all": self.span_pattern}).span
    except FileNotFoundError:
      return None

  def reasons(self, windows=(), rows=0):
    """Why a run is due, given the windows just finalized and the rows just observed (rows
    are added to the count kept with the lock); [] if it is not."""
    from tfx_core.monitoring._windows import alerts  # pylint: disable=import-outside-toplevel
    state = self.store.lock_properties(self.name)
    out = []
    for window in windows:
      kinds = sorted({(kind, feature) for kind, feature, _, _ in alerts(window)
                      if kind in self.on_alert_kinds})
      if kinds:
        out.append("alert: %s" % ", ".join("%s of %s" % kf for kf in kinds))
        break
    last_start = state.get("last_started_ms", 0)
    if self.every_seconds is not None and now_ms() - last_start >= self.every_seconds * 1000:
      out.append("schedule: every %g s" % self.every_seconds)
    seen = state.get("rows_since_start", 0) + rows
    if rows:
      self.store.set_lock_properties(self.name, {"rows_since_start": seen})
    if self.every_rows is not None and seen >= self.every_rows:
      out.append("rows: %d new rows" % seen)
    if self.span_dir is not None:
      span = self._latest_span()
      if span is not None and span > state.get("last_span", -1):
        out.append("span: new span %d" % span)
    return out

  def maybe_run(self, windows=(), rows=0):
    """Starts the run in the background when a condition holds, the lock is free and the
    minimum interval has passed; returns the reasons it started for, or None."""
    reasons = self.reasons(windows, rows)
    if not reasons or self.running:  # Our own run holds the lock (a renewal would pass).
      return None
    state = self.store.lock_properties(self.name)
    if now_ms() - state.get("last_started_ms", 0) < self.min_interval_seconds * 1000:
      log.info("retrain trigger %s: due (%s) but within its minimum interval", self.name,
               "; ".join(reasons))
      return None
    started = {"last_started_ms": now_ms(), "rows_since_start": 0,
               "last_reason": "; ".join(reasons)}
    if self.span_dir is not None:
      span = self._latest_span()
      if span is not None:
        started["last_span"] = span
    if not self.store.acquire_lock(self.name, self.owner, self.lock_ttl_seconds, started):
      log.info("retrain trigger %s: due (%s) but a run holds the lock", self.name,
               "; ".join(reasons))
      return None
    log.info("retrain trigger %s: starting %s (%s)", self.name, " ".join(self.command),
             "; ".join(reasons))
    self._thread = threading.Thread(target=self._run, args=("; ".join(reasons),),
                                    name="retrain-" + self.name)
    self._thread.start()
    self.runs_started += 1
    return reasons

  @property
  def running(self):
    """Whether the run this trigger started is still going."""
    return self._thread is not None and self._thread.is_alive()

  def _run(self, reason):
    env = dict(os.environ, **{REASON_ENV: reason})
    out = open(self.log_path, "a") if self.log_path else subprocess.DEVNULL
    started = time.time()
    try:
      self.last_returncode = subprocess.run(self.command, env=env, stdout=out,
                                            stderr=subprocess.STDOUT, check=False).returncode
    except OSError as e:
      log.error("retrain trigger %s: cannot start %s: %s", self.name, self.command[0], e)
      self.last_returncode = -1
    finally:
      if self.log_path:
        out.close()
      self.store.release_lock(self.name, self.owner, {
          "last_returncode": self.last_returncode,
          "last_seconds": round(time.time() - started, 3)})
    log.info("retrain trigger %s: the run exited with %d", self.name, self.last_returncode)

  def wait(self, timeout=None):
    """Waits for the run this trigger started, if any; returns its exit status."""
    if self._thread is not None:
      self._thread.join(timeout)
    return self.last_returncode
