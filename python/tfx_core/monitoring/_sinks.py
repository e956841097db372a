"""Where the monitor's alerts go: the log, a JSON-lines file, an HTTP webhook. A sink is any
callable taking the alert dict."""

import json
import logging
import queue
import threading
import time

log = logging.getLogger("tfx_core.monitoring")


class LogSink:
  """Each alert as a warning line."""

  def __call__(self, alert):
    log.warning("ALERT %s %s of %s on %s (window %d): %s", alert["severity"], alert["kind"],
                alert["feature"], alert["model"], alert["window_index"], alert["description"])


class JsonLinesSink:
  """Each alert as one JSON line appended to `path` (flushed at once)."""

  def __init__(self, path):
    self.path = path

  def __call__(self, alert):
    with open(self.path, "a") as f:
      f.write(json.dumps(alert, sort_keys=True) + "\n")


class WebhookSink:
  """POSTs each alert as JSON to `url` from a thread of its own, so an unreachable receiver
  never blocks the monitor: a failed POST is retried `retries` times with exponential backoff
  from `backoff_seconds`, then dropped with an error in the log. At most `max_queued` alerts
  wait; beyond that new ones are dropped (and logged). close() waits for the queue."""

  def __init__(self, url, timeout_seconds=5.0, retries=4, backoff_seconds=0.5, max_queued=1000):
    self.url, self.timeout = url, timeout_seconds
    self.retries, self.backoff = retries, backoff_seconds
    self.delivered = self.failed = 0
    self._queue = queue.Queue(max_queued)
    self._thread = threading.Thread(target=self._run, name="alert-webhook", daemon=True)
    self._thread.start()

  def __call__(self, alert):
    try:
      self._queue.put_nowait(alert)
    except queue.Full:
      self.failed += 1
      log.error("alert webhook %s: %d alerts waiting; dropped one", self.url, self._queue.maxsize)

  def _post(self, alert):
    import requests  # pylint: disable=import-outside-toplevel
    delay = self.backoff
    for attempt in range(self.retries + 1):
      try:
        response = requests.post(self.url, json=alert, timeout=self.timeout)
        if response.status_code < 500:
          if response.status_code >= 400:
            log.error("alert webhook %s refused an alert: HTTP %d", self.url,
                      response.status_code)
            return False
          return True
        reason = "HTTP %d" % response.status_code
      except requests.RequestException as e:
        reason = str(e)
      if attempt < self.retries:
        time.sleep(delay)
        delay *= 2
    log.error("alert webhook %s: giving up on an alert after %d tries: %s", self.url,
              self.retries + 1, reason)
    return False

  def _run(self):
    while True:
      alert = self._queue.get()
      if alert is None:
        self._queue.task_done()
        return
      if self._post(alert):
        self.delivered += 1
      else:
        self.failed += 1
      self._queue.task_done()

  def close(self):
    self._queue.put(None)
    self._thread.join()
