"""Worker processes of one node (the Tuner's parallel trials, the Trainer's multi-worker
training): started together, each logging to its own file; the first to fail fails them all,
with the end of its log; none outlives the node, nor a cancelled run."""

import ctypes
import os
import signal
import subprocess
import sys
import time
import traceback

_POLL_S = 0.2
_LOG_TAIL_BYTES = 4000
_PR_SET_PDEATHSIG = 1  # linux/prctl.h
# Looked up here, not in the forked child, where only the call itself is safe.
_prctl = ctypes.CDLL(None).prctl


def _die_with_parent():
  """In the child, before exec: SIGKILL when the process that started it dies, even by a
  signal that leaves it no time to kill its workers."""
  _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def exit_after(work, *args):
  """A worker's main: runs work(*args), then ends the process at once, 0 or 1 (with the
  traceback in its log). Skipping the interpreter's teardown matters: finalizing a live
  tf.data generator there can hang the process for ever."""
  status = 0
  try:
    work(*args)
  except BaseException:  # pylint: disable=broad-except
    traceback.print_exc()
    status = 1
  finally:
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)  # pylint: disable=protected-access


def run_workers(component, module, workers, context):
  """Runs `python -m module *args` for each (name, args, env, log_path) in workers, until all
  have exited 0; raises RuntimeError naming the first that did not."""
  children = {}
  try:
    for name, args, env, log_path in workers:
      with open(log_path, "wb") as log_file:
        children[name] = (subprocess.Popen(
            [sys.executable, "-m", module] + list(args), env=env, stdin=subprocess.DEVNULL,
            stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
            preexec_fn=_die_with_parent), log_path)
    running = dict(children)
    while running:
      context.raise_if_cancelled()
      for name, (child, log_path) in list(running.items()):
        status = child.poll()
        if status is None:
          continue
        del running[name]
        if status != 0:
          raise RuntimeError("%s: worker %s exited with status %d; the end of its log (%s):\n%s"
                             % (component, name, status, log_path, _tail(log_path)))
      time.sleep(_POLL_S)
  finally:
    for child, _ in children.values():
      if child.poll() is None:
        child.kill()
      child.wait()


def _tail(path):
  with open(path, "rb") as f:
    f.seek(max(0, os.path.getsize(path) - _LOG_TAIL_BYTES))
    return f.read().decode(errors="replace").strip()
