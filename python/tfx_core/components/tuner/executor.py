"""Tuner's executor: FnArgs from the inputs, the user's tuner_fn, KerasTuner's search, and the
best trial's hyperparameters written as TFX writes them (KerasTuner's config as JSON). Nothing
is published if tuner_fn or the search fails, or no trial completes.

With tune_args.num_parallel_trials = N > 1, the oracle stays in this process behind KerasTuner's
own gRPC service on loopback, and N worker processes (`tfx_core.components.tuner.worker`) each
call tuner_fn and search, taking trials from it: KerasTuner's chief/worker mode, with the chief
here so that the best trial is read as in a serial search.
"""

import json
import logging
import os
import tempfile

from tfx_core.components.tuner import parallel
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
    tuner, fit_kwargs = call_tuner_fn(tuner_fn, fn_args)
    self.context.raise_if_cancelled()
    log.info("searching %s (%d hyperparameters) on %s%s", type(tuner).__name__,
             len(tuner.oracle.hyperparameters.space), ", ".join(fn_args.train_files),
             " with %d workers" % num_workers if num_workers > 1 else "")
    if num_workers > 1:
      parallel.search_in_parallel(tuner, fn_args, exec_properties, num_workers, self.context)
    else:
      search(tuner, fit_kwargs)
    best_trials = tuner.oracle.get_best_trials(num_trials=1)
    if not best_trials or best_trials[0].score is None:
      raise RuntimeError("Tuner: the search completed no trial with a score (objective %s); "
                         "check that fit_kwargs give validation_data for it" % _objective(tuner))
    best = best_trials[0]
    os.makedirs(best_hyperparameters.uri, exist_ok=True)
    with open(best_hyperparameters.hyperparameters_path, "w") as f:
      json.dump(best.hyperparameters.get_config(), f)
    summary = "best of %d trials: %s %.4f with %s" % (
        len(tuner.oracle.trials), _objective(tuner), best.score, ", ".join(
            "%s=%s" % kv for kv in sorted(best.hyperparameters.values.items())))
    with open(os.path.join(best_hyperparameters.uri, TUNING_REPORT), "w") as f:
      f.write(summary + "\n")
    log.info("%s", summary)


def call_tuner_fn(tuner_fn, fn_args):
  """(tuner, fit_kwargs) from the user's tuner_fn, checked."""
  try:
    result = tuner_fn(fn_args)
  except Exception as e:
    raise RuntimeError("Tuner: tuner_fn raised %s: %s (its traceback is above)" % (
        type(e).__name__, e)) from e
  tuner = getattr(result, "tuner", None)
  fit_kwargs = getattr(result, "fit_kwargs", None)
  if tuner is None or not hasattr(tuner, "search") or not hasattr(tuner, "oracle") or \
      not isinstance(fit_kwargs, dict):
    raise ValueError("Tuner: tuner_fn must return a TunerFnResult(tuner=<a KerasTuner tuner>, "
                     "fit_kwargs=<a dict of tuner.search's arguments>), got %r" % (result,))
  fit_kwargs = dict(fit_kwargs)
  fit_kwargs.setdefault("verbose", 0)  # KerasTuner's per-trial tables; the log says enough.
  return tuner, fit_kwargs


def search(tuner, fit_kwargs):
  try:
    tuner.search(**fit_kwargs)
  except Exception as e:
    raise RuntimeError("Tuner: the search raised %s: %s (its traceback is above)" % (
        type(e).__name__, e)) from e


def _objective(tuner):
  objective = tuner.oracle.objective
  return getattr(objective, "name", objective)
