"""A worker of a parallel Tuner: tuner_fn(fn_args) and the search, taking trials from the
oracle the Tuner serves (KerasTuner reads KERASTUNER_ORACLE_IP, KERASTUNER_ORACLE_PORT and
KERASTUNER_TUNER_ID, which the Tuner sets).

    python -m tfx_core.components.tuner.worker WORKER_SPEC.json
"""

import json
import sys


def main(spec_path):
  from tfx_core.components.tuner.executor import call_tuner_fn, search  # pylint: disable=import-outside-toplevel
  from tfx_core.training import DATA_ACCESSOR, FnArgs  # pylint: disable=import-outside-toplevel
  from tfx_core.utils import udf_utils  # pylint: disable=import-outside-toplevel
  with open(spec_path) as f:
    spec = json.load(f)
  tuner_fn = udf_utils.function_of("Tuner", spec["exec_properties"], "tuner_fn")
  tuner, fit_kwargs = call_tuner_fn(tuner_fn, FnArgs(data_accessor=DATA_ACCESSOR,
                                                     **spec["fn_args"]))
  search(tuner, fit_kwargs)


if __name__ == "__main__":
  main(sys.argv[1])
