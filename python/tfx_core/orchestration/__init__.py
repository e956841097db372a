"""Orchestration: the local DAG runner (caching, resume, retries) and retention.

    result = LocalDagRunner(max_parallel_nodes=4).run(pipeline)

Binaries: `tfx-core-run` (run a pipeline module) and `tfx-core-metadata` (runs, node states,
lineage, pruning); see their --help.
"""

from tfx_core.orchestration._fingerprint import code_fingerprints, content_fingerprint
from tfx_core.orchestration._retention import protected_artifact_ids, prune_runs
from tfx_core.orchestration._runner import (NODE, PIPELINE, PIPELINE_RUN, LocalDagRunner,
                                            PipelineRunError, RunResult, default_metadata_url)

__all__ = [
    "NODE", "PIPELINE", "PIPELINE_RUN", "LocalDagRunner", "PipelineRunError", "RunResult",
    "code_fingerprints", "content_fingerprint", "default_metadata_url", "protected_artifact_ids",
    "prune_runs",
]
