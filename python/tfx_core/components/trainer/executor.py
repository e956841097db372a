"""Trainer's executor: FnArgs from the inputs, the user's run_fn, and a check that it saved a
model. Nothing is published if run_fn raises or saves no model (the runner discards the
outputs of a failed execution).

custom_config {"distribution": {"num_workers": N}} with N > 1 runs run_fn in N worker
processes (`tfx_core.components.trainer.worker`), a tf.distribute cluster on loopback: each
gets TF_CONFIG naming free ports and its task; worker 0, the chief, saves to the Model, the
others to folders of their own under the ModelRun (with their logs, worker-<i>.log).
"""

import json
import logging
import os
import socket
import tempfile

from tfx_core.dsl import BaseExecutor
from tfx_core.training import fn_args_to_json, get_common_fn_args, multi_worker
from tfx_core.utils import udf_utils, worker_processes

log = logging.getLogger("tfx_core.components.Trainer")

WORKER_MODULE = "tfx_core.components.trainer.worker"


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
    num_workers = _num_workers(fn_args.custom_config)
    fresh = num_workers == 1 and _tf_keras_needs_a_fresh_process()
    self.context.raise_if_cancelled()
    log.info("running run_fn on %s (train_steps %s, eval_steps %s)%s",
             ", ".join(fn_args.train_files), fn_args.train_steps, fn_args.eval_steps,
             " in %d workers" % num_workers if num_workers > 1 else
             " in a fresh process (TF_USE_LEGACY_KERAS: tf.keras there is tf_keras)" if fresh
             else "")
    if num_workers > 1 or fresh:
      _run_workers(fn_args, exec_properties, num_workers, self.context)
    else:
      call_run_fn(run_fn, fn_args)
    _check_saved_model(fn_args.serving_model_dir)
    log.info("model saved to %s", fn_args.serving_model_dir)


def call_run_fn(run_fn, fn_args):
  try:
    run_fn(fn_args)
  except Exception as e:
    hint = ""
    if "save_format" in str(e) and not _legacy_keras_wanted():
      hint = ("; model.save(..., save_format='tf') is tf_keras's: run with "
              "TF_USE_LEGACY_KERAS=1 (and tf_keras installed), or save with "
              "tf.saved_model.save(model, dir, signatures=...) under Keras 3")
    raise RuntimeError("Trainer: run_fn raised %s: %s (its traceback is above)%s" % (
        type(e).__name__, e, hint)) from e


def _legacy_keras_wanted():
  """TensorFlow's switch: tf.keras is tf_keras (Keras 2) where this is set."""
  return os.environ.get("TF_USE_LEGACY_KERAS") in ("1", "true", "True")


def _tf_keras_needs_a_fresh_process():
  """Whether TF_USE_LEGACY_KERAS is set but this process resolved tf.keras to Keras 3 before
  it was (TensorFlow resolves it once): run_fn then runs in a fresh process."""
  if not _legacy_keras_wanted():
    return False
  try:
    import tf_keras  # pylint: disable=import-outside-toplevel,unused-import
  except ImportError as e:
    raise RuntimeError("Trainer: TF_USE_LEGACY_KERAS is set but the tf_keras package is not "
                       "installed: pip install tf-keras==<your TensorFlow version> (add "
                       "--no-deps with tensorflow-cpu)") from e
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  return not tf.keras.__name__.startswith("tf_keras")


def _num_workers(custom_config):
  distribution = (custom_config or {}).get("distribution")
  if distribution is None:
    return 1
  if not isinstance(distribution, dict) or set(distribution) - {"num_workers"}:
    raise ValueError("Trainer: custom_config['distribution'] must be {'num_workers': N}; got "
                     "%r" % (distribution,))
  num_workers = distribution.get("num_workers", 1)
  if not isinstance(num_workers, int) or isinstance(num_workers, bool) or num_workers < 1:
    raise ValueError("Trainer: custom_config['distribution']['num_workers'] must be an "
                     "integer >= 1, got %r" % (num_workers,))
  return num_workers


def _run_workers(fn_args, exec_properties, num_workers, context):
  """run_fn on num_workers processes, a MultiWorkerMirroredStrategy cluster on loopback (one
  process and no cluster for num_workers 1)."""
  cluster = ["127.0.0.1:%d" % port for port in _free_ports(num_workers)]
  run_dir = fn_args.model_run_dir
  per_worker = [fn_args_to_json(fn_args)]
  for i in range(1, num_workers):
    # TensorFlow's rule: every worker saves (saving may need them all), only the chief's
    # copy is kept; the others keep theirs, with their TensorBoard logs, under the ModelRun.
    own = os.path.join(run_dir, "worker-%d" % i)
    per_worker.append(dict(per_worker[0], serving_model_dir=os.path.join(own, "serving"),
                           eval_model_dir=os.path.join(own, "eval"), model_run_dir=own,
                           working_dir=os.path.join(own, "serving")))
    os.makedirs(own)
  spec = os.path.join(tempfile.mkdtemp(prefix="trainer-", dir=context.tmp_dir),
                      "worker_spec.json")
  with open(spec, "w") as f:
    json.dump({"exec_properties": {k: exec_properties.get(k) for k in ("module_file", "run_fn")},
               "fn_args": per_worker}, f)
  worker_processes.run_workers("Trainer", WORKER_MODULE, [
      ("worker-%d" % i, [spec, str(i)],
       dict(os.environ, **({multi_worker.TF_CONFIG_ENV: json.dumps(
           {"cluster": {"worker": cluster}, "task": {"type": "worker", "index": i}})}
                           if num_workers > 1 else {})),
       os.path.join(run_dir, "worker-%d.log" % i))
      for i in range(num_workers)], context)


def _free_ports(count):
  """Ports free on loopback now (held open together, so they differ)."""
  sockets = [socket.socket() for _ in range(count)]
  try:
    for s in sockets:
      s.bind(("127.0.0.1", 0))
    return [s.getsockname()[1] for s in sockets]
  finally:
    for s in sockets:
      s.close()


def _load_hyperparameters(artifact):
  path = artifact.hyperparameters_path
  try:
    with open(path) as f:
      return json.load(f)
  except (OSError, ValueError) as e:
    raise ValueError("Trainer: hyperparameters input %s is not a HyperParameters artifact "
                     "(KerasTuner's config as JSON): %s" % (path, e)) from e


def _check_saved_model(directory):
  """A SavedModel in `directory` whose serving_default takes serialized tf.Examples (TFX's
  convention, which evaluation, batch inference and serving rely on)."""
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  from tensorflow.core.protobuf import saved_model_pb2  # pylint: disable=import-outside-toplevel
  if not tf.saved_model.contains_saved_model(directory):
    raise RuntimeError(
        "Trainer: run_fn returned without saving a model to fn_args.serving_model_dir (%s); "
        "save one there with tf.saved_model.save(model, fn_args.serving_model_dir, "
        "signatures=...) or model.export(fn_args.serving_model_dir)" % directory)
  saved = saved_model_pb2.SavedModel()
  with open(os.path.join(directory, "saved_model.pb"), "rb") as f:
    saved.ParseFromString(f.read())
  signatures = saved.meta_graphs[0].signature_def
  if "serving_default" not in signatures:
    raise RuntimeError("Trainer: the model saved to %s has no serving_default signature (it "
                       "has %s); give one that takes serialized tf.Examples" % (
                           directory, ", ".join(sorted(signatures)) or "none"))
  inputs = signatures["serving_default"].inputs
  if len(inputs) != 1 or next(iter(inputs.values())).dtype != tf.string.as_datatype_enum:
    raise RuntimeError(
        "Trainer: the model's serving_default signature takes %s; it must take serialized "
        "tf.Examples, one tf.string tensor of shape [None] (e.g. a tf.function with "
        "input_signature=[tf.TensorSpec([None], tf.string, name='examples')] that parses them "
        "with tf.io.parse_example)" % ", ".join(
            "%s (%s)" % (name, tf.dtypes.as_dtype(t.dtype).name) for name, t in
            sorted(inputs.items())))
