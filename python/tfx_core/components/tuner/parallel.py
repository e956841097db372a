"""Parallel trials: KerasTuner's oracle service on loopback, serving the oracle of the tuner
built in this process, and worker processes that each run tuner_fn and search against it,
one trial at a time. A worker that fails fails the search, with the end of its log; no worker
outlives it."""

import dataclasses
import json
import os
import subprocess
import sys
import time
from concurrent import futures

WORKER_MODULE = "tfx_core.components.tuner.worker"
_POLL_S = 0.2
_LOG_TAIL_BYTES = 4000


def search_in_parallel(tuner, fn_args, exec_properties, num_workers, context):
  import grpc  # pylint: disable=import-outside-toplevel
  from keras_tuner.src import protos  # pylint: disable=import-outside-toplevel
  from keras_tuner.src.distribute import oracle_chief  # pylint: disable=import-outside-toplevel
  # One handler thread: the oracle's bookkeeping is not meant for concurrent calls.
  server = grpc.server(futures.ThreadPoolExecutor(max_workers=1))
  protos.get_service_grpc().add_OracleServicer_to_server(
      oracle_chief.OracleServicer(tuner.oracle), server)
  port = server.add_insecure_port("127.0.0.1:0")
  server.start()
  spec = os.path.join(fn_args.working_dir, "worker_spec.json")
  with open(spec, "w") as f:
    json.dump({"exec_properties": {k: exec_properties.get(k) for k in ("module_file", "tuner_fn")},
               "fn_args": {field.name: getattr(fn_args, field.name)
                           for field in dataclasses.fields(fn_args)
                           if field.name != "data_accessor"}}, f)
  children = {}
  try:
    for i in range(num_workers):
      tuner_id = "tuner%d" % i  # Not "chief...": KerasTuner would make it serve the oracle.
      log_path = os.path.join(fn_args.working_dir, tuner_id + ".log")
      env = dict(os.environ, KERASTUNER_ORACLE_IP="127.0.0.1", KERASTUNER_ORACLE_PORT=str(port),
                 KERASTUNER_TUNER_ID=tuner_id)
      with open(log_path, "wb") as log_file:
        children[tuner_id] = (subprocess.Popen(
            [sys.executable, "-m", WORKER_MODULE, spec], env=env, stdin=subprocess.DEVNULL,
            stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True), log_path)
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
    server.stop(grace=None)


def _tail(path):
  with open(path, "rb") as f:
    f.seek(max(0, os.path.getsize(path) - _LOG_TAIL_BYTES))
    return f.read().decode(errors="replace").strip()
