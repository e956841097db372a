"""Helpers for a tuner_fn that searches with Optuna (the Tuner's second search library; see
tfx_core.components.tuner.searches for the contract).

    KerasPruningCallback(trial, monitor)   reports `monitor` to the Optuna trial after each
                                           epoch and stops the trial when its pruner says so
"""

import keras


class KerasPruningCallback(keras.callbacks.Callback):
  """Prunes an Optuna trial from Keras's fit: after each epoch, reports `logs[monitor]` to the
  trial as that step's value and raises optuna.TrialPruned when the study's pruner decides
  the trial is not worth finishing (Optuna records it PRUNED, not failed)."""

  def __init__(self, trial, monitor):
    super().__init__()
    self.trial = trial
    self.monitor = monitor

  def on_epoch_end(self, epoch, logs=None):
    import optuna  # pylint: disable=import-outside-toplevel
    logs = logs or {}
    if self.monitor not in logs:
      raise KeyError("KerasPruningCallback: fit reported no %r after epoch %d (it reported %s); "
                     "monitor one of those" % (self.monitor, epoch, ", ".join(sorted(logs))))
    self.trial.report(float(logs[self.monitor]), step=epoch)
    if self.trial.should_prune():
      raise optuna.TrialPruned("pruned after epoch %d: %s = %.4f" % (
          epoch, self.monitor, logs[self.monitor]))
