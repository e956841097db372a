"""The two search libraries a tuner_fn may return, behind one interface: what tuner_fn returned,
run in this process or in a worker of a parallel search, and the best trial as KerasTuner's
HyperParameters config (the one file format the Trainer reads, whichever library searched).

    KerasTuner  TunerFnResult(tuner=<keras_tuner Tuner>, fit_kwargs=<tuner.search's arguments>)
    Optuna      TunerFnResult(tuner=<optuna.Study>, fit_kwargs=<study.optimize's arguments:
                func(trial) -> float, n_trials, timeout, callbacks, ...>)
"""

import contextlib
from typing import Any, Dict, NamedTuple


class Best(NamedTuple):
  config: Dict[str, Any]  # KerasTuner's HyperParameters.get_config() of the best trial.
  summary: str            # One line: "best of N trials: <objective> <score> with k=v, ..."


def search_of(result):
  """The Search for what tuner_fn returned, or a ValueError saying what it must return."""
  tuner = getattr(result, "tuner", None)
  fit_kwargs = getattr(result, "fit_kwargs", None)
  if isinstance(fit_kwargs, dict):
    if hasattr(tuner, "search") and hasattr(tuner, "oracle"):
      return KerasTunerSearch(tuner, dict(fit_kwargs))
    # Asked of the class: an empty study's best_trial raises.
    if hasattr(type(tuner), "optimize") and hasattr(type(tuner), "best_trial"):
      return OptunaSearch(tuner, dict(fit_kwargs))
  raise ValueError("Tuner: tuner_fn must return a TunerFnResult of a KerasTuner tuner and the "
                   "dict of tuner.search's arguments, or of an optuna.Study and the dict of "
                   "study.optimize's arguments; got %r" % (result,))


def _values(values):
  return ", ".join("%s=%s" % kv for kv in sorted(values.items()))


class KerasTunerSearch:
  """A KerasTuner tuner. In parallel, the oracle of this process's tuner is served by
  KerasTuner's own gRPC service and each worker's tuner becomes its client (KerasTuner does
  that when KERASTUNER_ORACLE_IP / _PORT / KERASTUNER_TUNER_ID are set: serve() gives the
  first two, the worker's launch the third)."""

  def __init__(self, tuner, fit_kwargs):
    self.tuner = tuner
    self.fit_kwargs = fit_kwargs
    fit_kwargs.setdefault("verbose", 0)  # KerasTuner's per-trial tables; the log says enough.

  def describe(self):
    return "%s (%d hyperparameters)" % (type(self.tuner).__name__,
                                        len(self.tuner.oracle.hyperparameters.space))

  def run(self):
    self.tuner.search(**self.fit_kwargs)

  def run_in_worker(self, index, num_workers):
    del index, num_workers  # The oracle hands out the trials.
    self.run()

  @contextlib.contextmanager
  def serve(self):
    import grpc  # pylint: disable=import-outside-toplevel
    from keras_tuner.src import protos  # pylint: disable=import-outside-toplevel
    from keras_tuner.src.distribute import oracle_chief  # pylint: disable=import-outside-toplevel
    from concurrent import futures  # pylint: disable=import-outside-toplevel
    # One handler thread: the oracle's bookkeeping is not meant for concurrent calls.
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=1))
    protos.get_service_grpc().add_OracleServicer_to_server(
        oracle_chief.OracleServicer(self.tuner.oracle), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
      yield {"KERASTUNER_ORACLE_IP": "127.0.0.1", "KERASTUNER_ORACLE_PORT": str(port)}
    finally:
      server.stop(grace=None)

  def best(self):
    oracle = self.tuner.oracle
    trials = oracle.get_best_trials(num_trials=1)
    objective = getattr(oracle.objective, "name", oracle.objective)
    if not trials or trials[0].score is None:
      raise RuntimeError("Tuner: the search completed no trial with a score (objective %s); "
                         "check that fit_kwargs give validation_data for it" % objective)
    hp = trials[0].hyperparameters
    return Best(hp.get_config(), "best of %d trials: %s %.4f with %s" % (
        len(oracle.trials), objective, trials[0].score, _values(hp.values)))


class OptunaSearch:
  """An Optuna study. In parallel, the workers share the study through its storage (so it
  cannot be in memory), each optimizing its share of n_trials."""

  def __init__(self, study, fit_kwargs):
    self.study = study
    self.fit_kwargs = fit_kwargs
    if not callable(fit_kwargs.get("func")):
      raise ValueError("Tuner: an Optuna tuner_fn's fit_kwargs must hold func, the objective "
                       "(a function of an optuna.Trial returning its score); got %s" %
                       sorted(fit_kwargs))

  def describe(self):
    return "Optuna study %r (%s)" % (self.study.study_name, self.study.direction.name.lower())

  def run(self):
    self.study.optimize(**self.fit_kwargs)

  def run_in_worker(self, index, num_workers):
    n_trials = self.fit_kwargs.get("n_trials")
    if n_trials is not None:  # This worker's share; together, n_trials exactly.
      self.fit_kwargs["n_trials"] = n_trials // num_workers + (index < n_trials % num_workers)
    self.run()

  @contextlib.contextmanager
  def serve(self):
    import optuna  # pylint: disable=import-outside-toplevel
    if isinstance(self.study._storage, optuna.storages.InMemoryStorage):  # pylint: disable=protected-access
      raise ValueError(
          "Tuner: parallel Optuna trials need a study the workers share: create it with a "
          "storage, e.g. optuna.create_study(storage=optuna.storages.JournalStorage("
          "optuna.storages.journal.JournalFileBackend(os.path.join(fn_args.working_dir, "
          "'journal.log'))), study_name=..., load_if_exists=True)")
    yield {}

  def best(self):
    import optuna  # pylint: disable=import-outside-toplevel
    study = self.study  # Read from its storage: in parallel, the workers' trials too.
    trials = study.get_trials(deepcopy=False)
    done = [t for t in trials if t.state == optuna.trial.TrialState.COMPLETE]
    if not done:
      raise RuntimeError("Tuner: the Optuna study completed no trial (%d ran: %s)" % (
          len(trials), ", ".join(sorted({t.state.name for t in trials})) or "none"))
    best = study.best_trial
    pruned = sum(t.state == optuna.trial.TrialState.PRUNED for t in trials)
    objective = (study.metric_names or ["objective"])[0]
    return Best(_keras_tuner_config(best), "best of %d trials (%d pruned): %s %.4f with %s" % (
        len(trials), pruned, objective, best.value, _values(best.params)))


def _keras_tuner_config(trial):
  """An Optuna trial's parameters and their distributions as KerasTuner's HyperParameters
  config, so a run_fn reads them as it reads a KerasTuner search's."""
  import keras_tuner  # pylint: disable=import-outside-toplevel
  import optuna  # pylint: disable=import-outside-toplevel
  hp = keras_tuner.HyperParameters()
  for name, dist in trial.distributions.items():
    if isinstance(dist, optuna.distributions.CategoricalDistribution):
      hp.Choice(name, list(dist.choices))
    elif isinstance(dist, optuna.distributions.IntDistribution):
      hp.Int(name, dist.low, dist.high, step=None if dist.log else dist.step,
             sampling="log" if dist.log else "linear")
    elif isinstance(dist, optuna.distributions.FloatDistribution):
      hp.Float(name, dist.low, dist.high, step=dist.step,
               sampling="log" if dist.log else "linear")
    else:
      raise ValueError("Tuner: Optuna parameter %s has a distribution KerasTuner's "
                       "HyperParameters cannot hold (%s)" % (name, type(dist).__name__))
  hp.values.update(trial.params)
  return hp.get_config()
