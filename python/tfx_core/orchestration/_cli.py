"""What the binaries share: quiet logs unless --verbosity asks, and paths as the user typed
them (relative to where they ran the command, also under `bazel run`)."""

import importlib.abc
import importlib.machinery
import logging
import os
import sys
import threading

# Exit statuses of the binaries (tfx-core-launch's contract with orchestrators).
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
# tfx-core-launch's metadata store when --metadata_url is not given (keeps passwords out of
# process lists).
METADATA_URL_ENV = "TFX_CORE_METADATA_URL"

# Third-party packages whose notices fill a normal run (Beam's runner choice, state cache and
# write notices, BigQuery import hints; TensorFlow's Python side). Some log through the root
# logger, so they are recognized by the file that logs too.
_NOISY = ("apache_beam", "tensorflow", "keras", "h5py", "urllib3", "numba")


class _QuietThirdParty(logging.Filter):
  """Lets through everything but the notices (below ERROR) of the _NOISY packages."""

  def filter(self, record):
    if record.levelno >= logging.ERROR:
      return True
    if record.name.split(".")[0] in _NOISY:
      return False
    return not any("-packages/%s/" % package in record.pathname for package in _NOISY)


def setup_logging():
  """By default tfx_core's progress, user code's logs and everyone's errors show, third-party
  notices do not; absl's --verbosity=0 (or more) lets them through, TensorFlow's C++
  runtime's included. Call it from main(), once absl has parsed the flags."""
  from absl import flags  # pylint: disable=import-outside-toplevel
  logging.getLogger("tfx_core").setLevel(logging.INFO)
  verbosity = flags.FLAGS["verbosity"]
  if verbosity.present and verbosity.value >= 0:  # absl sets it to 0 itself when not given.
    return
  # Read by TensorFlow's C++ runtime when it loads, here and in child processes.
  os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
  for handler in logging.getLogger().handlers:
    handler.addFilter(_QuietThirdParty())
  if "tensorflow" not in sys.modules:
    sys.meta_path.insert(0, _QuietTensorFlowImport())


# What TensorFlow 2.21 prints while it loads through absl's C++ logging, before that is
# initialized: no setting reaches it.
_TF_LOAD_NOTICES = (b"All log messages before absl::InitializeLog()",
                    b"oneDNN custom operations are on")


class _QuietTensorFlowImport(importlib.abc.MetaPathFinder):
  """Runs the first `import tensorflow` (ours or a user module's) with the process's stderr
  passed through a filter that drops _TF_LOAD_NOTICES and forwards every other line, other
  threads' included."""

  def find_spec(self, fullname, path=None, target=None):
    if fullname != "tensorflow":
      return None
    sys.meta_path.remove(self)
    spec = importlib.machinery.PathFinder.find_spec(fullname, path)
    if spec is not None and spec.loader is not None:
      spec.loader = _FilteredLoader(spec.loader)
    return spec


class _FilteredLoader(importlib.abc.Loader):

  def __init__(self, loader):
    self._loader = loader

  def create_module(self, spec):
    return self._loader.create_module(spec)

  def exec_module(self, module):
    global _filtering  # pylint: disable=global-statement
    sys.stderr.flush()
    read_end, write_end = os.pipe()
    saved = os.dup(2)
    os.dup2(write_end, 2)
    os.close(write_end)
    forwarder = threading.Thread(target=_forward, args=(read_end, saved), daemon=True)
    forwarder.start()
    _filtering = (saved, forwarder)
    try:
      self._loader.exec_module(module)
    finally:
      restore_stderr()


_filtering = None  # (the real stderr's fd, the forwarder) while the import runs.
_filtering_lock = threading.Lock()


def restore_stderr():
  """Ends the TensorFlow import's filter if one is running, its pending lines forwarded first
  (before an os._exit, say, so the last words reach the terminal)."""
  global _filtering  # pylint: disable=global-statement
  with _filtering_lock:
    state, _filtering = _filtering, None
  if state is None:
    return
  saved, forwarder = state
  sys.stderr.flush()
  os.dup2(saved, 2)  # Closes our write end: the forwarder sees the pipe's end...
  forwarder.join(timeout=2.0)  # ...unless a child started meanwhile holds a copy.
  if not forwarder.is_alive():
    os.close(saved)  # Else it keeps forwarding that child's output to our stderr.


def _forward(read_end, target):
  with os.fdopen(read_end, "rb") as pipe:
    for line in pipe:
      if not any(notice in line for notice in _TF_LOAD_NOTICES):
        os.write(target, line)


def user_path(path):
  """An absolute path for a path given on the command line: `bazel run` starts binaries in
  their runfiles tree, and says where the user was in BUILD_WORKING_DIRECTORY."""
  if path is None or os.path.isabs(path) or "://" in path:
    return path
  return os.path.join(os.environ.get("BUILD_WORKING_DIRECTORY", os.getcwd()), path)
