"""`tfx.v1.types`: artifact types (`standard_artifacts`) and channels."""

from tfx_core.types import Channel
from tfx_core.v1.types import standard_artifacts

__all__ = ["Channel", "standard_artifacts"]
