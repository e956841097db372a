"""What the binaries share: quiet logs unless --verbosity asks, and paths as the user typed
them (relative to where they ran the command, also under `bazel run`)."""

import logging
import os

# Exit statuses of the binaries (tfx-core-launch's contract with orchestrators).
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

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
    return not any("/%s/" % package in record.pathname for package in _NOISY)


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


def user_path(path):
  """An absolute path for a path given on the command line: `bazel run` starts binaries in
  their runfiles tree, and says where the user was in BUILD_WORKING_DIRECTORY."""
  if path is None or os.path.isabs(path) or "://" in path:
    return path
  return os.path.join(os.environ.get("BUILD_WORKING_DIRECTORY", os.getcwd()), path)
