"""tfx_core's metadata store next to ml-metadata 1.17.1 on the same workload, and the local
runner's overhead per node.

    bazel run //tools/bench:metadata_bench -- [--n=10000] [--chain=1000] [--depth=5]
        [--json_out=FILE]

Both stores write a fresh SQLite file in the same folder. ml-metadata runs in its own venv,
which the bench creates (tools/bench/mlmd_venv.sh; --mlmd_venv) and drives through
tools/bench/mlmd_ops.py; this side repeats the same operations with tfx_core.metadata:
  artifact_put_one_by_one     N artifacts (2 properties each), one transaction each
  artifact_put_batched        N more, 1,000 per transaction
  execution_put_with_events   N executions, one by one, each with an INPUT and a new OUTPUT
                              artifact and a context link, in one transaction each
  lineage_depth               upstream ids within --depth executions of a random artifact of
                              a --chain long chain (ml-metadata: its fastest method)
Durability: ml-metadata's SQLite uses a rollback journal with synchronous=FULL; tfx_core uses
WAL with synchronous=NORMAL (commits survive a process crash; tests kill a writer to prove
it). The `*_fsync` rows repeat the one-by-one writes with synchronous=FULL (power-cut safe).
"""

import json
import os
import random
import subprocess
import sys
import tempfile
import time

from absl import app, flags

from bench_util import define_json_out, write_figures
from tfx_core import metadata as md
from tfx_core.dsl import OutputArtifact, Pipeline, component
from tfx_core.orchestration import LocalDagRunner
from tfx_core.types import Model

_N = flags.DEFINE_integer("n", 10_000, "Artifacts / executions per write row.", lower_bound=1)
_BATCH = flags.DEFINE_integer("batch", 1_000, "Artifacts per batched put.", lower_bound=1)
_CHAIN = flags.DEFINE_integer("chain", 1_000, "Executions in the lineage chain.", lower_bound=1)
_DEPTH = flags.DEFINE_integer("depth", 5, "Lineage query depth, in executions.", lower_bound=1)
_QUERIES = flags.DEFINE_integer("lineage_queries", 2_000, "Lineage queries timed.", lower_bound=1)
_DAG = flags.DEFINE_integer("dag_nodes", 20, "Nodes of the runner-overhead DAG.", lower_bound=2)
_WORKDIR = flags.DEFINE_string("workdir", None, "Where the SQLite files go (default: a temp dir).")
_MLMD_VENV = flags.DEFINE_string(
    "mlmd_venv", None, "The ml-metadata venv (created if missing). Default: .bench/mlmd_venv in "
    "the workspace.")
_SKIP_MLMD = flags.DEFINE_bool("skip_mlmd", False, "Measure tfx_core only.")
_JSON_OUT = define_json_out()

_HERE = os.path.dirname(os.path.abspath(__file__))


def _examples(uri, span):
  a = md.Artifact(type="Examples", uri=uri)
  a.properties["span"].int_value = span
  a.properties["split_names"].string_value = '["train","eval"]'
  return a


def _timed(op, count, fn, **extra):
  start = time.perf_counter()
  fn()
  seconds = time.perf_counter() - start
  print("metadata_bench: tfx_core %s: %.0f/s" % (op, count / seconds), file=sys.stderr)
  return dict(op=op, count=count, seconds=seconds, ops_per_s=count / seconds, **extra)


def _trainer(step):
  e = md.Execution(type="Trainer", state=md.Execution.COMPLETE)
  e.properties["step"].int_value = step
  return e


def tfx_core_rows(path, synchronous="NORMAL", writes_only=False):
  if os.path.exists(path):
    os.remove(path)
  store = md.MetadataStore(path, sqlite_synchronous=synchronous)
  store.put_type(md.ARTIFACT, "Examples", {"span": md.INT, "split_names": md.STRING})
  store.put_type(md.EXECUTION, "Trainer", {"step": md.INT})
  n, suffix = _N.value, "" if synchronous == "NORMAL" else "_fsync"
  one = [_examples("/data/examples/%d" % i, i) for i in range(n)]
  rows = [_timed("artifact_put_one_by_one" + suffix, n,
                 lambda: [store.put_artifacts([a]) for a in one])]
  if not writes_only:
    batched = [_examples("/data/batched/%d" % i, i) for i in range(n)]
    rows.append(_timed("artifact_put_batched", n, lambda: [
        store.put_artifacts(batched[i:i + _BATCH.value]) for i in range(0, n, _BATCH.value)],
                       batch=_BATCH.value))
  run = store.get_or_create_context("pipeline_run", "run-0")

  def executions():
    for i in range(n):
      store.publish_execution(_trainer(i), [
          (one[i % len(one)], md.Event(type=md.Event.INPUT)),
          (_examples("/data/trained/%d" % i, i), md.Event(type=md.Event.OUTPUT))], [run])

  rows.append(_timed("execution_put_with_events" + suffix, n, executions))
  if writes_only:
    return rows
  chain = [_examples("/data/chain/0", 0)]
  store.put_artifacts(chain)
  execs = [None]
  for k in range(1, _CHAIN.value + 1):
    out = _examples("/data/chain/%d" % k, k)
    execution_id, _ = store.publish_execution(_trainer(k), [
        (chain[-1], md.Event(type=md.Event.INPUT)), (out, md.Event(type=md.Event.OUTPUT))])
    chain.append(out)
    execs.append(execution_id)
  depth, rng = _DEPTH.value, random.Random(0)
  starts = [rng.randint(depth, len(chain) - 1) for _ in range(_QUERIES.value)]
  for k in starts[:5]:  # Same answer as ml-metadata's side checks.
    found_artifacts, found_execs = store.get_lineage_ids([chain[k].id], "upstream", depth)
    assert found_execs == set(execs[k - depth + 1:k + 1])
    assert found_artifacts - {chain[k].id} == {a.id for a in chain[k - depth:k]}
  rows.append(_timed("lineage_depth", _QUERIES.value, lambda: [
      store.get_lineage_ids([chain[k].id], "upstream", depth) for k in starts], depth=depth))
  rows.append(_timed("lineage_depth_records", _QUERIES.value, lambda: [
      store.get_lineage([chain[k].id], "upstream", depth) for k in starts], depth=depth))
  store.close()
  return rows


@component
def NoOp(out: OutputArtifact[Model]):
  del out


def runner_rows(workdir):
  """Wall time per node of the local runner with cache off: a 1-node pipeline (run 20 times)
  and a --dag_nodes DAG (a fan-out/fan-in diamond chain), both on a fresh SQLite store."""
  single_root = os.path.join(workdir, "runner_single")
  runner = LocalDagRunner(enable_cache=False)
  runner.run(Pipeline("noop", single_root, [NoOp()]))  # Warm-up: imports, schema.
  repeats = 20
  single = _timed("runner_one_node_pipeline", repeats, lambda: [
      runner.run(Pipeline("noop", single_root, [NoOp()])) for _ in range(repeats)])
  single["ms_per_node"] = 1000 * single["seconds"] / repeats

  nodes, previous = [], None
  for i in range(_DAG.value):
    node = NoOp().with_id("n%02d" % i)
    if previous is not None:
      node.add_upstream_node(previous)
    if i % 3 != 1:  # Every third node starts a pair that runs side by side.
      previous = node
    nodes.append(node)
  dag_root = os.path.join(workdir, "runner_dag")
  dag = _timed("runner_%d_node_dag" % _DAG.value, 1, lambda: LocalDagRunner(
      enable_cache=False).run(Pipeline("dag", dag_root, nodes)))
  dag["ms_per_node"] = 1000 * dag["seconds"] / _DAG.value
  process_root = os.path.join(workdir, "runner_dag_process")
  process = _timed("runner_%d_node_dag_process_isolation" % _DAG.value, 1, lambda: LocalDagRunner(
      enable_cache=False, isolation="process").run(Pipeline("dag", process_root, nodes)))
  process["ms_per_node"] = 1000 * process["seconds"] / _DAG.value
  return {"runner_ms_per_node_single": single, "runner_ms_per_node_dag": dag,
          "launch_process_ms_per_node": process}


def mlmd_rows(workdir):
  venv = _MLMD_VENV.value or os.path.join(
      os.environ.get("BUILD_WORKSPACE_DIRECTORY", os.getcwd()), ".bench", "mlmd_venv")
  subprocess.run(["bash", os.path.join(_HERE, "mlmd_venv.sh"), venv], check=True)
  done = subprocess.run([os.path.join(venv, "bin", "python"), os.path.join(_HERE, "mlmd_ops.py"),
                         "--db", os.path.join(workdir, "mlmd.sqlite"), "--n", str(_N.value),
                         "--batch", str(_BATCH.value), "--chain", str(_CHAIN.value),
                         "--depth", str(_DEPTH.value),
                         "--lineage_queries", str(_QUERIES.value)],
                        check=True, stdout=subprocess.PIPE, text=True)
  return json.loads(done.stdout)


# (our row, ml-metadata's row) pairs of the table.
_PAIRS = [
    ("artifact_put_one_by_one", "artifact_put_one_by_one"),
    ("artifact_put_one_by_one_fsync", "artifact_put_one_by_one"),
    ("artifact_put_batched", "artifact_put_batched"),
    ("execution_put_with_events", "execution_put_with_events"),
    ("execution_put_with_events_fsync", "execution_put_with_events"),
    ("lineage_depth", "lineage_depth"),
    ("lineage_depth_records", "lineage_depth_records"),
]


def main(argv):
  del argv
  workdir = _WORKDIR.value or tempfile.mkdtemp(prefix="metadata_bench_")
  os.makedirs(workdir, exist_ok=True)
  ours = {r["op"]: r for r in tfx_core_rows(os.path.join(workdir, "tfx_core.sqlite"))}
  ours.update((r["op"], r) for r in tfx_core_rows(
      os.path.join(workdir, "tfx_core_fsync.sqlite"), "FULL", writes_only=True))
  theirs, settings = {}, {}
  if not _SKIP_MLMD.value:
    result = mlmd_rows(workdir)
    settings = result["sqlite_journal_mode"]
    theirs = {r["op"]: r for r in result["rows"]}
    lineage = theirs["lineage_depth"]
    subgraph = "get_lineage_subgraph(UPSTREAM, full records)"
    theirs["lineage_depth_records"] = dict(lineage, ops_per_s=lineage["qps_by_method"][subgraph],
                                           method=subgraph)
  print("\nmetadata store, SQLite, n=%d, batch=%d, lineage depth %d over a %d-execution chain" %
        (_N.value, _BATCH.value, _DEPTH.value, _CHAIN.value))
  print("ml-metadata 1.17.1 SQLite settings: %s" % (settings or "not measured"))
  print("%-34s %14s %14s %8s" % ("operation", "tfx_core /s", "ml-metadata /s", "ratio"))
  figures = {}
  for op, their_op in _PAIRS:
    mine = ours[op]["ops_per_s"]
    other = theirs.get(their_op, {}).get("ops_per_s")
    print("%-34s %14.0f %14s %8s" % (op, mine, "%.0f" % other if other else "-",
                                     "%.1fx" % (mine / other) if other else "-"))
    if other:
      figures[op + "_ratio"] = mine / other
  print("  lineage_depth: ids of upstream artifacts and executions (ml-metadata: %s);" %
        theirs.get("lineage_depth", {}).get("method", "-"))
  print("  lineage_depth_records: full artifact and execution records plus events (tfx_core "
        "get_lineage; ml-metadata get_lineage_subgraph)")
  print("\nlocal runner overhead (no-op component, cache off)")
  for figure, row in runner_rows(workdir).items():
    print("%-42s %11.1f ms/node" % (row["op"], row["ms_per_node"]))
    figures[figure] = row["ms_per_node"]
  write_figures(_JSON_OUT.value, figures)


if __name__ == "__main__":
  app.run(main)
