"""Tuner: runs the user's tuner_fn and searches for the best hyperparameters."""

from tfx_core.components.tuner.component import Tuner, TunerFnResult

__all__ = ["Tuner", "TunerFnResult"]
