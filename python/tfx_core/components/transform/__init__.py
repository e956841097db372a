"""Transform: the user's preprocessing_fn, analyzed on some splits and applied to all."""

from tfx_core.components.transform.component import Transform

__all__ = ["Transform"]
