"""Retention: delete the artifacts of old runs, never those that serving depends on."""

import logging
import os
import shutil

from tfx_core import metadata as md
from tfx_core.orchestration._launcher import IMPORTED, PIPELINE, PIPELINE_RUN

log = logging.getLogger("tfx_core.retention")

_LINEAGE_DEPTH = 10_000  # "All of it": deeper than any real pipeline.


def prune_runs(store, pipeline_name, pipeline_root, keep_last_runs, dry_run=False):
  """Deletes the files of artifacts produced only by runs older than the newest
  `keep_last_runs` runs, and marks their records DELETED (records stay for lineage).

  Never deleted: artifacts also used by a kept run (e.g. reused through the cache); pushed
  models, positively blessed models and their blessings, and everything upstream of those;
  imported artifacts and anything outside `pipeline_root` (user files); files another
  surviving record points to. Returns the artifacts deleted.
  """
  if keep_last_runs < 1:
    raise ValueError("keep_last_runs must be at least 1, got %d" % keep_last_runs)
  pipeline = store.get_context(PIPELINE, pipeline_name)
  if pipeline is None:
    raise ValueError("no pipeline %r in metadata store %s" % (pipeline_name, store.url))
  runs = store.get_contexts(type_name=PIPELINE_RUN, properties={"pipeline": pipeline_name})
  old, kept = runs[:-keep_last_runs], runs[-keep_last_runs:]
  keep = {a.id for run in kept for a in store.get_artifacts(context_id=run.id)}
  keep |= protected_artifact_ids(store, pipeline.id)
  root = os.path.join(os.path.abspath(pipeline_root), "")
  doomed = {}
  for run in old:
    for artifact in store.get_artifacts(context_id=run.id, state=md.Artifact.LIVE):
      if (artifact.id not in keep and IMPORTED not in artifact.custom_properties and
          os.path.abspath(artifact.uri).startswith(root)):
        doomed[artifact.id] = artifact
  for artifact in list(doomed.values()):
    others = store.get_artifacts(uri=artifact.uri, state=[md.Artifact.PENDING, md.Artifact.LIVE])
    if any(other.id not in doomed for other in others):
      del doomed[artifact.id]
  doomed = [doomed[i] for i in sorted(doomed)]
  if dry_run or not doomed:
    return doomed
  # Records first: a crash in between leaves orphan files, never LIVE records without files.
  for artifact in doomed:
    artifact.state = md.Artifact.DELETED
  store.put_artifacts(doomed)
  for artifact in doomed:
    if os.path.isdir(artifact.uri):
      shutil.rmtree(artifact.uri, ignore_errors=True)
    elif os.path.exists(artifact.uri):
      os.remove(artifact.uri)
  log.info("pipeline %s: deleted %d artifacts of %d runs older than the last %d", pipeline_name,
           len(doomed), len(old), keep_last_runs)
  return doomed


def protected_artifact_ids(store, pipeline_context_id):
  """Pushed models, positively blessed models with their blessings, and all their upstream."""
  roots = [a.id for a in store.get_artifacts(type_name="PushedModel",
                                             context_id=pipeline_context_id)]
  for blessing in store.get_artifacts(type_name="ModelBlessing", properties={"blessed": 1},
                                      context_id=pipeline_context_id):
    roots += [blessing.id, blessing.properties["current_model_id"].int_value]
  if not roots:
    return set()
  upstream, _ = store.get_lineage_ids(roots, "upstream", _LINEAGE_DEPTH)
  return upstream
