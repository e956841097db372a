"""Tuner: the penguin pipeline's search and the Trainer training with its best hyperparameters,
the best trial being the search's best, parallel trials in worker processes, and bad input."""

import glob
import json
import os
import re

import keras_tuner
import pytest

from tfx_core import training, transform
from tfx_core.components.trainer.executor import TrainerExecutor
from tfx_core.components.tuner.executor import TUNING_REPORT, TunerExecutor
from tfx_core.dsl import ExecutorContext
from tfx_core.examples import penguin_pipeline, penguin_trainer
from tfx_core.orchestration import LocalDagRunner
from tfx_core.proto import trainer_pb2, tuner_pb2
from tfx_core.types import HyperParameters, Model, ModelRun, artifact_class

_TESTDATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "testdata")
_TINY_MODULE = os.path.join(_TESTDATA, "tuner", "tuner_module.py")
_PENGUIN_MODULE = os.path.join(os.path.dirname(penguin_trainer.__file__), "penguin_trainer.py")


@pytest.fixture(scope="module")
def penguin(tmp_path_factory):
  root = tmp_path_factory.mktemp("penguin")
  result = LocalDagRunner().run(penguin_pipeline.create_pipeline(root, enable_cache=False))
  assert set(result.node_states.values()) == {"COMPLETE"}
  return result


def _only(result, node, key):
  [record] = result.outputs[node][key]
  return artifact_class(record.type)(record)


def _tune(penguin, tmp_path, properties):
  """Runs TunerExecutor on the penguin run's transformed examples; returns the
  HyperParameters artifact."""
  best = HyperParameters()
  best.uri = str(tmp_path / "best")
  input_dict = {"examples": [_only(penguin, "Transform", "transformed_examples")],
                "transform_graph": [_only(penguin, "Transform", "transform_graph")]}
  TunerExecutor(ExecutorContext(tmp_dir=str(tmp_path))).Do(
      input_dict, {"best_hyperparameters": [best]},
      dict({"module_file": _TINY_MODULE}, **properties))
  return best


def _trials(tmp_path):
  """The trials KerasTuner recorded under the tuner's working directory."""
  trials = []
  for path in glob.glob(str(tmp_path / "tuner-*" / "*" / "trial_*" / "trial.json")):
    with open(path) as f:
      trials.append(json.load(f))
  return trials


def _report(best):
  with open(os.path.join(best.uri, TUNING_REPORT)) as f:
    return f.read()


def test_the_trainer_trains_with_the_searchs_best_hyperparameters(penguin):
  best = _only(penguin, "Tuner", "best_hyperparameters")
  with open(best.hyperparameters_path) as f:
    hp = keras_tuner.HyperParameters.from_config(json.load(f))  # As TFX's module files do.
  assert hp.get("learning_rate") in (1e-2, 1e-3) and 1 <= hp.get("num_layers") <= 3
  assert _report(best).startswith("best of 4 trials: val_sparse_categorical_accuracy ")
  # The Trainer's model has the depth the Tuner chose: its weights restore into a model built
  # with the best values, and not into one a layer deeper.
  model = _only(penguin, "Trainer", "model")
  graph = transform.TransformOutput(_only(penguin, "Transform", "transform_graph").uri)
  buckets = graph.num_buckets_for_transformed_feature("body_mass_quartile")
  training.restore_weights(penguin_trainer._make_keras_model(hp, buckets),  # pylint: disable=protected-access
                           model.serving_model_dir)
  deeper = keras_tuner.HyperParameters.from_config(hp.get_config())
  deeper.values["num_layers"] = hp.get("num_layers") + 1
  with pytest.raises(Exception):
    training.restore_weights(penguin_trainer._make_keras_model(deeper, buckets),  # pylint: disable=protected-access
                             model.serving_model_dir)
  with open(os.path.join(_only(penguin, "Trainer", "model_run").uri,
                         penguin_trainer.EVAL_REPORT)) as f:
    assert float(f.read().split()[2]) >= 0.9


def test_the_best_hyperparameters_are_the_best_trials(penguin, tmp_path):
  best = _tune(penguin, tmp_path, {"custom_config": {"max_trials": 3}})
  trials = [t for t in _trials(tmp_path) if t["status"] == "COMPLETED"]
  assert len(trials) == 3
  top = max(trials, key=lambda t: t["score"])
  with open(best.hyperparameters_path) as f:
    assert json.load(f)["values"] == top["hyperparameters"]["values"]
  values = ", ".join("%s=%s" % kv for kv in sorted(top["hyperparameters"]["values"].items()))
  assert _report(best) == "best of 3 trials: val_sparse_categorical_accuracy %.4f with %s\n" % (
      top["score"], values)


def test_parallel_trials_run_in_worker_processes(penguin, tmp_path):
  trace = tmp_path / "trace.jsonl"
  best = _tune(penguin, tmp_path, {
      "tune_args": tuner_pb2.TuneArgs(num_parallel_trials=2),
      "custom_config": {"max_trials": 4, "trace": str(trace)}})
  runs = [json.loads(line) for line in trace.read_text().splitlines()]
  # Four trials, each in one of the two workers (never in this process), both of which took
  # some; the oracle here saw them all.
  assert len(runs) == 4
  assert {r["tuner_id"] for r in runs} == {"tuner0", "tuner1"}
  assert os.getpid() not in {r["pid"] for r in runs}
  assert len({r["pid"] for r in runs}) == 2
  trials = [t for t in _trials(tmp_path) if t["status"] == "COMPLETED"]
  assert len(trials) == 4
  top = max(trials, key=lambda t: t["score"])
  with open(best.hyperparameters_path) as f:
    assert json.load(f)["values"] == top["hyperparameters"]["values"]
  assert _report(best).startswith("best of 4 trials: ")
  for pid in {r["pid"] for r in runs}:
    with pytest.raises(ProcessLookupError):
      os.kill(pid, 0)


def test_a_worker_dying_fails_the_search_and_no_worker_outlives_it(penguin, tmp_path):
  trace = tmp_path / "trace.jsonl"
  with pytest.raises(RuntimeError, match=r"Tuner: worker tuner1 exited with status 3; the end "
                     r"of its log \(.*tuner1.log\)"):
    _tune(penguin, tmp_path, {"tune_args": tuner_pb2.TuneArgs(num_parallel_trials=2),
                              "custom_config": {"max_trials": 6, "trace": str(trace),
                                                "die_in": "tuner1"}})
  for pid in {json.loads(line)["pid"] for line in trace.read_text().splitlines()}:
    with pytest.raises(ProcessLookupError):
      os.kill(pid, 0)
  assert not os.path.exists(tmp_path / "best")  # Nothing written for the failed search.


@pytest.mark.parametrize("properties, message", [
    ({"module_file": "/nonexistent/tuner.py"}, "module_file /nonexistent/tuner.py does not "
     "exist"),
    ({"module_file": os.path.join(_TESTDATA, "trainer", "no_run_fn.py")},
     "has no function tuner_fn"),
    ({"module_file": None, "tuner_fn": "no.such.module.tuner_fn"}, "cannot import tuner_fn"),
    ({"custom_config": {"fail": True}}, "tuner_fn raised KeyError: 'no such thing'"),
    ({"custom_config": {"bad_return": True}}, "tuner_fn must return a TunerFnResult"),
    ({"custom_config": {"library": "optuna", "no_func": True}}, "an Optuna tuner_fn's "
     "fit_kwargs must hold func, the objective (a function of an optuna.Trial returning its "
     "score); got ['n_trials']"),
    ({"tune_args": tuner_pb2.TuneArgs(num_parallel_trials=-1)},
     "tune_args.num_parallel_trials must be >= 1"),
    ({"train_args": trainer_pb2.TrainArgs(splits=["test"])}, "train split 'test' is not in "
     "the examples"),
])
def test_bad_tuner_input_names_what_is_wrong(penguin, tmp_path, properties, message):
  with pytest.raises((ValueError, RuntimeError), match="Tuner: .*" + re.escape(message)):
    _tune(penguin, tmp_path, properties)


def test_hyperparameters_from_another_search_space_fail_the_trainer(penguin, tmp_path):
  # The tiny module's search space has no num_layers, which the penguin run_fn needs.
  foreign = _tune(penguin, tmp_path, {"custom_config": {"max_trials": 1}})
  model, model_run = Model(), ModelRun()
  model.uri, model_run.uri = str(tmp_path / "model"), str(tmp_path / "model_run")
  with pytest.raises(RuntimeError, match="Trainer: run_fn raised KeyError: 'num_layers does "
                     "not exist.'"):
    TrainerExecutor().Do(
        {"examples": [_only(penguin, "Transform", "transformed_examples")],
         "transform_graph": [_only(penguin, "Transform", "transform_graph")],
         "hyperparameters": [foreign]},
        {"model": [model], "model_run": [model_run]},
        {"module_file": _PENGUIN_MODULE, "train_args": trainer_pb2.TrainArgs(num_steps=2)})


def _study(path):
  import optuna  # pylint: disable=import-outside-toplevel
  from optuna.storages import JournalStorage  # pylint: disable=import-outside-toplevel
  from optuna.storages.journal import JournalFileBackend  # pylint: disable=import-outside-toplevel
  return optuna.load_study(study_name="tiny",
                           storage=JournalStorage(JournalFileBackend(str(path))))


def test_an_optuna_search_prunes_and_writes_keras_tuner_hyperparameters(penguin, tmp_path):
  journal = tmp_path / "journal.log"
  best = _tune(penguin, tmp_path, {"custom_config": {
      "library": "optuna", "n_trials": 6, "storage": str(journal)}})
  study = _study(journal)
  states = [t.state.name for t in study.trials]
  assert len(states) == 6 and "PRUNED" in states and "COMPLETE" in states
  with open(best.hyperparameters_path) as f:
    hp = keras_tuner.HyperParameters.from_config(json.load(f))
  assert hp.values == study.best_params
  assert {p.name: type(p).__name__ for p in hp.space} == {"learning_rate": "Choice",
                                                           "units": "Int"}
  assert _report(best) == ("best of 6 trials (%d pruned): val_sparse_categorical_accuracy %.4f "
                           "with learning_rate=%s, units=%s\n" % (
                               states.count("PRUNED"), study.best_value,
                               study.best_params["learning_rate"], study.best_params["units"]))


def test_parallel_optuna_trials_share_the_study(penguin, tmp_path):
  journal, trace = tmp_path / "journal.log", tmp_path / "trace.jsonl"
  best = _tune(penguin, tmp_path, {
      "tune_args": tuner_pb2.TuneArgs(num_parallel_trials=2),
      "custom_config": {"library": "optuna", "n_trials": 5, "storage": str(journal),
                        "trace": str(trace)}})
  runs = [json.loads(line) for line in trace.read_text().splitlines()]
  assert sorted(r["tuner_id"] for r in runs) == ["tuner0", "tuner0", "tuner0", "tuner1",
                                                 "tuner1"]  # n_trials split 3 + 2.
  study = _study(journal)
  assert len(study.trials) == 5
  with open(best.hyperparameters_path) as f:
    assert json.load(f)["values"] == study.best_params
  in_memory = tmp_path / "in_memory"
  in_memory.mkdir()
  with pytest.raises(ValueError, match="Tuner: parallel Optuna trials need a study the "
                     "workers share"):
    _tune(penguin, in_memory, {"tune_args": tuner_pb2.TuneArgs(num_parallel_trials=2),
                               "custom_config": {"library": "optuna"}})
