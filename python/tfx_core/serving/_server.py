"""Starts and stops tfx_core_model_server as a subprocess."""

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

_BINARY = "tfx_core_model_server"
_READY = re.compile(r"ready: grpc_port=(\d+) rest_api_port=(\d+)")


def server_binary():
  """The model server executable shipped inside the package (or Bazel's runfiles)."""
  path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bin", _BINARY)
  if not os.path.exists(path):
    raise FileNotFoundError(
        "%s is missing at %s: build it with `bazel build //python:tfx_core` (or install the "
        "tfx_core wheel)" % (_BINARY, path))
  return path


def free_port():
  """A TCP port nothing listens on now (the kernel's pick)."""
  with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
    s.bind(("127.0.0.1", 0))
    return s.getsockname()[1]


class ModelServer:
  """A running model server. Use as a context manager, or call start() and stop().

  Args:
    model_base_path: directory of numbered SavedModel versions (what the Pusher writes).
    model_name: the name requests use for it.
    model_config_file: a ModelServerConfig text file instead of the two above.
    grpc_port, rest_api_port: ports to bind; None picks free ones, 0 disables that API.
    flags: more server flags, e.g. {"file_system_poll_wait_seconds": 1}.
    log_path: a file receiving the server's log (stderr); by default the log is kept in
      memory and available as `log`.
    startup_timeout: seconds to wait for every configured version to load.
  """

  def __init__(self, model_base_path=None, model_name="default", model_config_file=None,
               grpc_port=None, rest_api_port=None, flags=None, log_path=None,
               startup_timeout=120.0):
    if (model_base_path is None) == (model_config_file is None):
      raise ValueError("ModelServer: give exactly one of model_base_path and model_config_file")
    self._args = []
    if model_config_file is not None:
      self._args.append("--model_config_file=%s" % os.path.abspath(model_config_file))
    else:
      self._args += ["--model_name=%s" % model_name,
                     "--model_base_path=%s" % os.path.abspath(model_base_path)]
    self._requested_ports = (grpc_port, rest_api_port)
    for name, value in sorted((flags or {}).items()):
      if isinstance(value, bool):
        value = "true" if value else "false"
      self._args.append("--%s=%s" % (name, value))
    self.model_name = model_name
    self._log_path = log_path
    self._startup_timeout = startup_timeout
    self._process = None
    self._lines = []
    self._lines_lock = threading.Lock()
    self.grpc_port = None
    self.rest_api_port = None

  @property
  def rest_url(self):
    return "http://127.0.0.1:%d" % self.rest_api_port

  @property
  def grpc_target(self):
    return "127.0.0.1:%d" % self.grpc_port

  @property
  def log(self):
    with self._lines_lock:
      return "".join(self._lines)

  @property
  def returncode(self):
    return None if self._process is None else self._process.poll()

  def start(self):
    grpc_port, rest_port = [free_port() if p is None else p for p in self._requested_ports]
    argv = [server_binary(), "--port=%d" % grpc_port, "--rest_api_port=%d" % rest_port]
    argv += self._args
    log_file = open(self._log_path, "a") if self._log_path else None
    self._process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     text=True, bufsize=1)
    ready = threading.Event()

    def pump():
      for line in self._process.stderr:
        with self._lines_lock:
          self._lines.append(line)
        if log_file:
          log_file.write(line)
          log_file.flush()
        match = _READY.search(line)
        if match:
          self.grpc_port, self.rest_api_port = int(match.group(1)), int(match.group(2))
          ready.set()
      if log_file:
        log_file.close()
      ready.set()

    threading.Thread(target=pump, daemon=True).start()
    if not ready.wait(self._startup_timeout) or self.rest_api_port is None:
      code = self._process.poll()
      self.stop()
      raise RuntimeError("tfx_core_model_server %s:\n%s" % (
          "exited with code %s" % code if code is not None else
          "was not ready after %.0f s" % self._startup_timeout, self.log[-4000:]))
    return self

  def stop(self, timeout=30.0):
    """SIGTERM, then SIGKILL if it has not exited after `timeout` seconds. Returns the code."""
    if self._process is None:
      return None
    if self._process.poll() is None:
      self._process.send_signal(signal.SIGTERM)
      try:
        self._process.wait(timeout)
      except subprocess.TimeoutExpired:
        self._process.kill()
        self._process.wait()
    return self._process.returncode

  def __enter__(self):
    return self.start()

  def __exit__(self, *exc):
    self.stop()

  def wait_until(self, predicate, timeout=60.0, interval=0.1):
    """Polls `predicate()` until true; raises TimeoutError with the server's log otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
      if predicate():
        return
      if self.returncode is not None:
        break
      time.sleep(interval)
    raise TimeoutError("condition not met after %.0f s; server log:\n%s" %
                       (timeout, self.log[-4000:]))


def main():
  """`tfx-core-model-server`: runs the packaged binary with the given flags."""
  binary = server_binary()
  os.execv(binary, [binary] + sys.argv[1:])
