"""What the binaries share: quiet logs unless --verbosity asks, and paths as the user typed
them (relative to where they ran the command, also under `bazel run`)."""

import logging
import os

# Exit statuses of the binaries (tfx-core-launch's contract with orchestrators).
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

# Third-party loggers that fill a normal run with notices (Beam's runner choice and write
# notices, BigQuery import hints, TensorFlow's Python side).
_NOISY = ("apache_beam", "tensorflow", "absl", "h5py", "urllib3", "jax", "numba")


def setup_logging(verbosity):
  """verbosity: absl's --verbosity (default -1). By default tfx_core's progress shows and
  third-party libraries say only errors; --verbosity=0 (or more) lets their warnings and
  notices through, TensorFlow's C++ runtime included."""
  quiet = verbosity < 0
  if quiet:
    # Read by TensorFlow's C++ runtime when it loads, here and in child processes.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
  logging.getLogger("tfx_core").setLevel(logging.INFO)
  for name in _NOISY:
    logging.getLogger(name).setLevel(logging.ERROR if quiet else logging.NOTSET)


def user_path(path):
  """An absolute path for a path given on the command line: `bazel run` starts binaries in
  their runfiles tree, and says where the user was in BUILD_WORKING_DIRECTORY."""
  if path is None or os.path.isabs(path) or "://" in path:
    return path
  return os.path.join(os.environ.get("BUILD_WORKING_DIRECTORY", os.getcwd()), path)
