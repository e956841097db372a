"""Trainer: runs the user's run_fn on the examples and exports the model."""

from tfx_core.components.trainer.component import Trainer

__all__ = ["Trainer"]
