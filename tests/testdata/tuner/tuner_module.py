"""A tuner_fn over a tiny Keras model of the penguin's transformed features, searching with
KerasTuner, or with Optuna (pruning trials that trail the median) when custom_config's
"library" is "optuna"; it records which worker process ran each trial, and custom_config
selects failures."""

import json
import os

import keras
import keras_tuner
import optuna
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend

import tfx_core.transform as tft
from tfx_core import tfxio, tuning
from tfx_core import v1 as tfx

_FEATURES = ["culmen_length_mm_z", "culmen_depth_mm_z", "flipper_length_mm_z", "body_mass_g_z"]
_MONITOR = "val_sparse_categorical_accuracy"


def _build(hp):
  inputs = {key: keras.layers.Input(shape=(1,), name=key) for key in _FEATURES}
  d = keras.layers.concatenate(list(inputs.values()))
  d = keras.layers.Dense(hp.get("units"), activation="relu")(d)
  model = keras.Model(inputs=inputs, outputs=keras.layers.Dense(3)(d))
  model.compile(optimizer=keras.optimizers.Adam(hp.get("learning_rate")),
                loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                metrics=[keras.metrics.SparseCategoricalAccuracy()])
  return model


class _Trace(keras.callbacks.Callback):
  """Appends {tuner_id, pid} per trial to a file; dies mid-training in the worker named."""

  def __init__(self, path, die_in):
    super().__init__()
    self.path, self.die_in = path, die_in

  def on_train_begin(self, logs=None):
    tuner_id = os.environ.get("KERASTUNER_TUNER_ID", "")
    with open(self.path, "a") as f:
      f.write(json.dumps({"tuner_id": tuner_id, "pid": os.getpid()}) + "\n")
    if tuner_id and tuner_id == self.die_in:
      os._exit(3)  # pylint: disable=protected-access


def tuner_fn(fn_args: tfx.components.FnArgs) -> tfx.components.TunerFnResult:
  config = fn_args.custom_config or {}
  if config.get("fail"):
    raise KeyError("no such thing")
  if config.get("bad_return"):
    return {"tuner": None}
  schema = tft.TFTransformOutput(fn_args.transform_graph_path).transformed_metadata.schema

  def dataset(files, seed):
    options = tfxio.TensorFlowDatasetOptions(batch_size=16, label_key="species",
                                             shuffle_seed=seed)
    batches = fn_args.data_accessor.tf_dataset_factory(files, options, schema)
    return batches.map(lambda x, y: ({k: x[k] for k in _FEATURES}, y)).repeat()

  train, validation = dataset(fn_args.train_files, 1), dataset(fn_args.eval_files, 2)
  callbacks = [_Trace(config["trace"], config.get("die_in"))] if "trace" in config else []
  if config.get("library") == "optuna":
    return _optuna(config, train, validation, callbacks)
  hp = keras_tuner.HyperParameters()
  hp.Choice("learning_rate", [3e-2, 1e-2, 1e-3])
  hp.Choice("units", [4, 16])
  tuner = keras_tuner.RandomSearch(
      _build, hyperparameters=hp, max_trials=config.get("max_trials", 3), seed=3,
      objective=keras_tuner.Objective(_MONITOR, "max"),
      directory=fn_args.working_dir, project_name="tiny")
  return tfx.components.TunerFnResult(tuner=tuner, fit_kwargs={
      "x": train, "validation_data": validation, "steps_per_epoch": fn_args.train_steps or 20,
      "validation_steps": fn_args.eval_steps or 4, "callbacks": callbacks})


def _optuna(config, train, validation, callbacks):
  """The Optuna contract: the study, and study.optimize's arguments."""

  def objective(trial):
    hp = keras_tuner.HyperParameters()
    hp.values.update({
        # A learning rate of 1e-6 learns nothing in 4 short epochs: the pruner's prey.
        "learning_rate": trial.suggest_categorical("learning_rate", [3e-2, 1e-6]),
        "units": trial.suggest_int("units", 4, 16, step=4)})
    keras.utils.set_random_seed(trial.number)
    history = _build(hp).fit(
        train, validation_data=validation, epochs=4, steps_per_epoch=10, validation_steps=4,
        verbose=0, callbacks=callbacks + [tuning.KerasPruningCallback(trial, _MONITOR)])
    return history.history[_MONITOR][-1]

  storage = JournalStorage(JournalFileBackend(config["storage"])) if "storage" in config \
      else None
  study = optuna.create_study(
      study_name="tiny", storage=storage, load_if_exists=True, direction="maximize",
      # Seeded per worker of a parallel search, lest they all suggest the same values.
      sampler=optuna.samplers.RandomSampler(
          seed=5 + int(os.environ.get("KERASTUNER_TUNER_ID", "tuner0")[len("tuner"):])),
      pruner=optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=1))
  study.set_metric_names([_MONITOR])
  fit_kwargs = {"func": objective, "n_trials": config.get("n_trials", 6)}
  if config.get("no_func"):
    del fit_kwargs["func"]
  return tfx.components.TunerFnResult(tuner=study, fit_kwargs=fit_kwargs)
