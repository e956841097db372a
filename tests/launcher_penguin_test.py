"""The penguin pipeline run node by node through tfx-core-launch, one process per node in
topological order, records what LocalDagRunner records: the same artifacts (by content),
events, contexts and lineage; a second pass is all cache hits."""

import hashlib
import os
import re
import subprocess
import sys

from tfx_core import metadata as md
from tfx_core.dsl import compile_pipeline
from tfx_core.examples import penguin_pipeline
from tfx_core.orchestration import LocalDagRunner, new_run_id

# Left out of the comparison: human-readable reports (they name their inputs' folders) and
# the fingerprint.pb TensorFlow writes into every SavedModel (it holds a random uuid).
_NOT_COMPARED = (".html", ".txt", "fingerprint.pb")
# Compared by their path up to the end of the match only: what training writes differs in its
# bytes from run to run (TensorBoard event files carry wall times, host and pid in their names;
# a SavedModel's graph carries per-process function names and its variables float sums in
# thread order).
_BY_PATH_ONLY = re.compile(
    r"saved_model\.pb$|variables\.(index|data-\d+-of-\d+)$|events\.out\.tfevents\.")


def _data_fingerprint(uri):
  """sha256 of an artifact's files (relative paths and bytes) but _NOT_COMPARED ones, and
  _BY_PATH_ONLY ones by path."""
  digest = hashlib.sha256()
  for folder, dirs, files in os.walk(uri):
    dirs.sort()
    for name in sorted(files):
      if name.endswith(_NOT_COMPARED):
        continue
      path = os.path.relpath(os.path.join(folder, name), uri)
      by_path_only = _BY_PATH_ONLY.search(path)
      if by_path_only:
        digest.update(path[:by_path_only.end()].encode() + b"\0")
        continue
      digest.update(path.encode() + b"\0")
      with open(os.path.join(folder, name), "rb") as f:
        digest.update(f.read())
  return digest.hexdigest()


def _launch_all(ir_file, ir, run_id):
  states = {}
  for node in ir.nodes:
    done = subprocess.run([sys.executable, "-m", "tfx_core.orchestration.launch_main",
                           "--pipeline_ir=%s" % ir_file, "--node_id=" + node.id,
                           "--run_id=" + run_id], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    states[node.id] = done.stderr.strip().splitlines()[-1].split()[3]
  return states


def _record(store, run_id):
  """Per node: its state, its outputs' fingerprints, its events (with the producing node of
  each input), its context types; and each artifact's upstream executions."""
  run = store.get_context("pipeline_run", "penguin." + run_id)
  executions = store.get_executions(context_id=run.id)
  producer = {}
  for e in executions:
    for event in store.get_events(execution_ids=[e.id], event_type=md.Event.OUTPUT):
      producer.setdefault(event.artifact_id, e.name)
  record = {}
  for e in executions:
    events = store.get_events(execution_ids=[e.id])
    artifacts = {a.id: a for a in store.get_artifacts(ids=[v.artifact_id for v in events])}
    outputs = {v.key: _data_fingerprint(artifacts[v.artifact_id].uri)
               for v in events if v.type == md.Event.OUTPUT}
    inputs = sorted((v.key, v.index, producer.get(v.artifact_id)) for v in events
                    if v.type == md.Event.INPUT)
    contexts = sorted(c.type for c in store.get_contexts_of(execution_id=e.id))
    upstream = {}
    for artifact_id in sorted(a for v in events if v.type == md.Event.OUTPUT
                              for a in [v.artifact_id]):
      graph = store.get_lineage([artifact_id], "upstream", depth=20)
      upstream[artifacts[artifact_id].type] = sorted(x.name for x in graph.executions)
    record[e.name] = dict(state=md.Execution.State.Name(e.state), outputs=outputs,
                          inputs=inputs, contexts=contexts, upstream=upstream)
  return record


def test_node_by_node_launches_equal_the_runner(tmp_path):
  runner_root, launch_root = tmp_path / "runner", tmp_path / "launch"
  ran = LocalDagRunner().run(penguin_pipeline.create_pipeline(runner_root))
  ir = compile_pipeline(penguin_pipeline.create_pipeline(launch_root))
  ir_file = tmp_path / "penguin.pb"
  ir_file.write_bytes(ir.SerializeToString())
  run_id = new_run_id()
  assert set(_launch_all(ir_file, ir, run_id).values()) == {"COMPLETE"}

  expected = _record(md.MetadataStore(str(runner_root / "metadata.sqlite")), ran.run_id)
  got = _record(md.MetadataStore(str(launch_root / "metadata.sqlite")), run_id)
  assert sorted(got) == sorted(expected) == sorted(n.id for n in ir.nodes)
  for node_id in expected:
    assert got[node_id] == expected[node_id], node_id

  # Launched again, the Resolver finds the model blessed by the first launch, so the Evaluator
  # (and the Pusher after it) run once more; a third launch is cached throughout.
  again = _launch_all(ir_file, ir, new_run_id())
  rerun = {"latest_blessed_model_resolver", "Evaluator", "Pusher", "BulkInferrer"}
  assert {s for n, s in again.items() if n not in rerun} == {"CACHED"}
  third = _launch_all(ir_file, ir, new_run_id())
  assert {s for n, s in third.items() if n != "latest_blessed_model_resolver"} == {"CACHED"}
