"""A worker of a multi-worker Trainer: run_fn with its own FnArgs, in the cluster the Trainer's
TF_CONFIG describes (tf.distribute.MultiWorkerMirroredStrategy reads it).

    python -m tfx_core.components.trainer.worker WORKER_SPEC.json INDEX
"""

import json
import sys

from tfx_core.utils import worker_processes


def main(spec_path, index):
  from tfx_core.components.trainer.executor import call_run_fn  # pylint: disable=import-outside-toplevel
  from tfx_core.training import fn_args_from_json  # pylint: disable=import-outside-toplevel
  from tfx_core.utils import udf_utils  # pylint: disable=import-outside-toplevel
  with open(spec_path) as f:
    spec = json.load(f)
  run_fn = udf_utils.function_of("Trainer", spec["exec_properties"], "run_fn")
  call_run_fn(run_fn, fn_args_from_json(spec["fn_args"][index]))


if __name__ == "__main__":
  worker_processes.exit_after(main, sys.argv[1], int(sys.argv[2]))
