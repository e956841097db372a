"""Orchestration: the node launcher, the local DAG runner (caching, resume, retries, thread or
process isolation) and retention.

    result = LocalDagRunner(max_parallel_nodes=4).run(pipeline)
    result = launch(ir, "Trainer", run_id, store)      # one node, as an orchestrator's task

Binaries: `tfx-core-run` (run a pipeline module), `tfx-core-launch` (run one node of a run)
and `tfx-core-metadata` (runs, node states, lineage, pruning); see their --help.
"""

from tfx_core.orchestration._fingerprint import code_fingerprints, content_fingerprint
from tfx_core.orchestration._launcher import (FINGERPRINT, NODE, PIPELINE, PIPELINE_RUN,
                                              LaunchResult,
                                              MissingInputError, NodeState, launch, new_run_id)
from tfx_core.orchestration._retention import protected_artifact_ids, prune_runs
from tfx_core.orchestration._runner import (LocalDagRunner, PipelineInterrupted,
                                            PipelineRunError, RunResult, default_metadata_url)

__all__ = [
    "FINGERPRINT", "NODE", "PIPELINE", "PIPELINE_RUN", "LaunchResult", "LocalDagRunner", "MissingInputError",
    "NodeState", "PipelineInterrupted", "PipelineRunError", "RunResult", "code_fingerprints",
    "content_fingerprint", "default_metadata_url", "launch", "new_run_id",
    "protected_artifact_ids", "prune_runs",
]
