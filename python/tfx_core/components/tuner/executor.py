"""Tuner's executor: FnArgs from the inputs, the user's tuner_fn, the search (KerasTuner's or
Optuna's), and the best trial's hyperparameters written as TFX writes them (KerasTuner's config
as JSON). Nothing is published if tuner_fn or the search fails, or no trial completes.

With tune_args.num_parallel_trials = N > 1, N worker processes
(`tfx_core.components.tuner.worker`) each call tuner_fn and search, sharing the trials of the
search set up here (see parallel.py); the best trial is then read here as in a serial search.
"""

import json
import logging
import os
import tempfile

from tfx_core.components.tuner import parallel
from tfx_core.components.tuner.searches import search_of
from tfx_core.dsl import BaseExecutor
from tfx_core.training import get_common_fn_args
from tfx_core.utils import udf_utils

log = logging.getLogger("tfx_core.components.Tuner")

# The one-line report the pipeline binary prints: the best trial's score and values.
TUNING_REPORT = "tuning.txt"


class TunerExecutor(BaseExecutor):

  def Do(self, input_dict, output_dict, exec_properties):
    tuner_fn = udf_utils.function_of("Tuner", exec_properties, "tuner_fn")
    tune_args = exec_properties.get("tune_args")
    num_workers = tune_args.num_parallel_trials if tune_args is not None else 0
    if num_workers < 0:
      raise ValueError("Tuner: tune_args.num_parallel_trials must be >= 1 (or unset), got %d"
                       % num_workers)
    best_hyperparameters = output_dict["best_hyperparameters"][0]
    working_dir = tempfile.mkdtemp(prefix="tuner-", dir=self.context.tmp_dir)
    fn_args = get_common_fn_args("Tuner", input_dict, exec_properties, working_dir=working_dir)
    base_models = input_dict.get("base_model")
    if base_models:
      fn_args.base_model = base_models[0].serving_model_dir
    search = call_tuner_fn(tuner_fn, fn_args)
    self.context.raise_if_cancelled()
    log.info("searching %s on %s%s", search.describe(), ", ".join(fn_args.train_files),
             " with %d workers" % num_workers if num_workers > 1 else "")
    if num_workers > 1:
      parallel.search_in_parallel(search, fn_args, exec_properties, num_workers, self.context)
    else:
      run_search(search.run)
    best = search.best()
    os.makedirs(best_hyperparameters.uri, exist_ok=True)
    with open(best_hyperparameters.hyperparameters_path, "w") as f:
      json.dump(best.config, f)
    with open(os.path.join(best_hyperparameters.uri, TUNING_REPORT), "w") as f:
      f.write(best.summary + "\n")
    log.info("%s", best.summary)


def call_tuner_fn(tuner_fn, fn_args):
  """The search tuner_fn sets up, checked."""
  try:
    result = tuner_fn(fn_args)
  except Exception as e:
    raise RuntimeError("Tuner: tuner_fn raised %s: %s (its traceback is above)" % (
        type(e).__name__, e)) from e
  return search_of(result)


def run_search(run, *args):
  try:
    run(*args)
  except Exception as e:
    raise RuntimeError("Tuner: the search raised %s: %s (its traceback is above)" % (
        type(e).__name__, e)) from e
