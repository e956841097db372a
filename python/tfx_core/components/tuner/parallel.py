"""Parallel trials: worker processes that each run tuner_fn and search, sharing the search set
up in the Tuner's process (KerasTuner: its oracle, served on loopback; Optuna: the study's
storage). A worker that fails fails the search, with the end of its log; no worker outlives
it."""

import json
import os

from tfx_core.training import fn_args_to_json
from tfx_core.utils import worker_processes

WORKER_MODULE = "tfx_core.components.tuner.worker"


def search_in_parallel(search, fn_args, exec_properties, num_workers, context):
  spec = os.path.join(fn_args.working_dir, "worker_spec.json")
  with open(spec, "w") as f:
    json.dump({"exec_properties": {k: exec_properties.get(k) for k in ("module_file", "tuner_fn")},
               "fn_args": fn_args_to_json(fn_args)}, f)
  with search.serve() as served_env:
    # KerasTuner's names for the workers; never "chief...", which would serve an oracle.
    tuner_ids = ["tuner%d" % i for i in range(num_workers)]
    worker_processes.run_workers("Tuner", WORKER_MODULE, [
        (tuner_id, [spec, str(i), str(num_workers)],
         dict(os.environ, KERASTUNER_TUNER_ID=tuner_id, **served_env),
         os.path.join(fn_args.working_dir, tuner_id + ".log"))
        for i, tuner_id in enumerate(tuner_ids)], context)
