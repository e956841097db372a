"""A worker of a parallel Tuner: tuner_fn(fn_args) and its share of the search, whose trials
it takes from the Tuner's process (KerasTuner reads KERASTUNER_ORACLE_IP, KERASTUNER_ORACLE_PORT
and KERASTUNER_TUNER_ID, which the Tuner sets) or shares through the Optuna study's storage.

    python -m tfx_core.components.tuner.worker WORKER_SPEC.json INDEX NUM_WORKERS
"""

import json
import sys

from tfx_core.utils import worker_processes


def main(spec_path, index, num_workers):
  from tfx_core.components.tuner.executor import call_tuner_fn, run_search  # pylint: disable=import-outside-toplevel
  from tfx_core.training import fn_args_from_json  # pylint: disable=import-outside-toplevel
  from tfx_core.utils import udf_utils  # pylint: disable=import-outside-toplevel
  with open(spec_path) as f:
    spec = json.load(f)
  tuner_fn = udf_utils.function_of("Tuner", spec["exec_properties"], "tuner_fn")
  search = call_tuner_fn(tuner_fn, fn_args_from_json(spec["fn_args"]))
  run_search(search.run_in_worker, index, num_workers)


if __name__ == "__main__":
  worker_processes.exit_after(main, sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
