"""Parallel trials: worker processes that each run tuner_fn and search, sharing the search set
up in the Tuner's process (KerasTuner: its oracle, served on loopback; Optuna: the study's
storage). A worker that fails fails the search, with the end of its log; no worker outlives
it."""

import dataclasses
import json
import os
import subprocess
import sys
import time

WORKER_MODULE = "tfx_core.components.tuner.worker"
_POLL_S = 0.2
_LOG_TAIL_BYTES = 4000


def search_in_parallel(search, fn_args, exec_properties, num_workers, context):
  spec = os.path.join(fn_args.working_dir, "worker_spec.json")
  with open(spec, "w") as f:
    json.dump({"exec_properties": {k: exec_properties.get(k) for k in ("module_file", "tuner_fn")},
               "fn_args": {field.name: getattr(fn_args, field.name)
                           for field in dataclasses.fields(fn_args)
                           if field.name != "data_accessor"}}, f)
  with search.serve() as served_env:
    _run_workers(spec, served_env, fn_args.working_dir, num_workers, context)


def _run_workers(spec, served_env, working_dir, num_workers, context):
  children = {}
  try:
    for i in range(num_workers):
      # KerasTuner's name for a worker; never "chief...", which would serve an oracle.
      tuner_id = "tuner%d" % i
      log_path = os.path.join(working_dir, tuner_id + ".log")
      env = dict(os.environ, KERASTUNER_TUNER_ID=tuner_id, **served_env)
      with open(log_path, "wb") as log_file:
        children[tuner_id] = (subprocess.Popen(
            [sys.executable, "-m", WORKER_MODULE, spec, str(i), str(num_workers)], env=env,
            stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT,
            start_new_session=True), log_path)
    running = dict(children)
    while running:
      context.raise_if_cancelled()
      for tuner_id, (child, log_path) in list(running.items()):
        status = child.poll()
        if status is None:
          continue
        del running[tuner_id]
        if status != 0:
          raise RuntimeError("Tuner: worker %s exited with status %d; the end of its log (%s):"
                             "\n%s" % (tuner_id, status, log_path, _tail(log_path)))
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
