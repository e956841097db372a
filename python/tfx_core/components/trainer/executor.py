"""Trainer's executor: FnArgs from the inputs, the user's run_fn, and a check that it saved a
model. Nothing is published if run_fn raises or saves no model (the runner discards the
outputs of a failed execution)."""

import json
import logging
import os

from tfx_core.dsl import BaseExecutor
from tfx_core.training import get_common_fn_args
from tfx_core.utils import udf_utils

log = logging.getLogger("tfx_core.components.Trainer")


class TrainerExecutor(BaseExecutor):

  def Do(self, input_dict, output_dict, exec_properties):
    run_fn = udf_utils.function_of("Trainer", exec_properties, "run_fn")
    model = output_dict["model"][0]
    model_run = output_dict["model_run"][0]
    fn_args = get_common_fn_args("Trainer", input_dict, exec_properties,
                                 working_dir=model.serving_model_dir)
    fn_args.serving_model_dir = model.serving_model_dir
    fn_args.eval_model_dir = model.eval_model_dir
    fn_args.model_run_dir = model_run.uri
    os.makedirs(model.uri, exist_ok=True)
    os.makedirs(model_run.uri, exist_ok=True)
    base_models = input_dict.get("base_model")
    if base_models:
      fn_args.base_model = base_models[0].serving_model_dir
    hyperparameters = input_dict.get("hyperparameters")
    if hyperparameters:
      fn_args.hyperparameters = _load_hyperparameters(hyperparameters[0])
    self.context.raise_if_cancelled()
    log.info("running run_fn on %s (train_steps %s, eval_steps %s)",
             ", ".join(fn_args.train_files), fn_args.train_steps, fn_args.eval_steps)
    try:
      run_fn(fn_args)
    except Exception as e:
      raise RuntimeError("Trainer: run_fn raised %s: %s (its traceback is above)" % (
          type(e).__name__, e)) from e
    _check_saved_model(fn_args.serving_model_dir)
    log.info("model saved to %s", fn_args.serving_model_dir)


def _load_hyperparameters(artifact):
  path = artifact.hyperparameters_path
  try:
    with open(path) as f:
      return json.load(f)
  except (OSError, ValueError) as e:
    raise ValueError("Trainer: hyperparameters input %s is not a HyperParameters artifact "
                     "(KerasTuner's config as JSON): %s" % (path, e)) from e


def _check_saved_model(directory):
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  if not tf.saved_model.contains_saved_model(directory):
    raise RuntimeError(
        "Trainer: run_fn returned without saving a model to fn_args.serving_model_dir (%s); "
        "save one there with tf.saved_model.save(model, fn_args.serving_model_dir, "
        "signatures=...) or model.export(fn_args.serving_model_dir)" % directory)
