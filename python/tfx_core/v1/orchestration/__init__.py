"""`tfx.v1.orchestration`: the local runner and metadata connection configs."""

from tfx_core.orchestration import LocalDagRunner
from tfx_core.v1.orchestration import metadata

__all__ = ["LocalDagRunner", "metadata"]
