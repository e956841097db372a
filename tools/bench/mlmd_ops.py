#!/usr/bin/env python3
"""The ml-metadata side of tfx_core's metadata_bench.

Runs inside the virtualenv made by tools/bench/mlmd_venv.sh (ml-metadata 1.17.1, which is not a
tfx_core dependency), performs a fixed set of metadata-store operations with ml_metadata's
MetadataStore against a fresh SQLite file and prints one JSON object on stdout, so that
metadata_bench can put MLMD's numbers next to tfx_core's for the same workload.

  python mlmd_ops.py --db /tmp/mlmd_bench.db --n 10000 --batch 1000 \
      --chain 1000 --depth 5 --lineage_queries 2000
"""

import argparse
import glob
import json
import os
import random
import re
import sqlite3
import sys
import time

import ml_metadata
from ml_metadata.metadata_store import metadata_store
from ml_metadata.proto import metadata_store_pb2 as pb

INPUT, OUTPUT = pb.Event.INPUT, pb.Event.OUTPUT
SPLITS = '["train","eval"]'


def _row(op, count, seconds, **extra):
  print(f"mlmd_ops: {op}: {count / seconds:,.0f}/s", file=sys.stderr)
  return dict(op=op, count=count, seconds=seconds, ops_per_s=count / seconds, **extra)


def _examples(type_id, uri, span):
  a = pb.Artifact(type_id=type_id, uri=uri)
  a.properties["span"].int_value = span
  a.properties["split_names"].string_value = SPLITS
  return a


def _trainer(type_id, step):
  e = pb.Execution(type_id=type_id)
  e.properties["step"].int_value = step
  return e


def _put_execution(store, execution, inputs, outputs, contexts):
  """put_execution; returns (execution id, output artifacts with ids set).

  Input artifacts must be the full stored protos: put_execution upserts every artifact it is
  given, so passing pb.Artifact(id=x) alone would blank x's uri and properties.
  """
  pairs = [(a, pb.Event(type=INPUT)) for a in inputs]
  pairs += [(a, pb.Event(type=OUTPUT)) for a in outputs]
  eid, aids, _ = store.put_execution(execution, pairs, contexts)
  for a, aid in zip(outputs, aids[len(inputs):]):
    a.id = aid
  return eid, outputs


def artifact_put_one_by_one(store, n):
  t = pb.ArtifactType(name="Examples")
  t.properties["span"] = pb.INT
  t.properties["split_names"] = pb.STRING
  type_id = store.put_artifact_type(t)
  arts = [_examples(type_id, f"/data/examples/{i}", i) for i in range(n)]
  start = time.perf_counter()
  for a in arts:
    [a.id] = store.put_artifacts([a])
  return _row("artifact_put_one_by_one", n, time.perf_counter() - start), arts


def artifact_put_batched(store, type_id, n, batch):
  arts = [_examples(type_id, f"/data/batched/{i}", i) for i in range(n)]
  start = time.perf_counter()
  for i in range(0, n, batch):
    store.put_artifacts(arts[i:i + batch])
  return _row("artifact_put_batched", n, time.perf_counter() - start, batch=batch)


def execution_put_with_events(store, inputs, n):
  et = pb.ExecutionType(name="Trainer")
  et.properties["step"] = pb.INT
  exec_type_id = store.put_execution_type(et)
  ctx_type_id = store.put_context_type(pb.ContextType(name="pipeline_run"))
  ctx = pb.Context(type_id=ctx_type_id, name="run-0")
  [ctx.id] = store.put_contexts([ctx])
  art_type_id = inputs[0].type_id
  start = time.perf_counter()
  for i in range(n):
    _put_execution(store, _trainer(exec_type_id, i), [inputs[i % len(inputs)]],
                   [_examples(art_type_id, f"/data/trained/{i}", i)], [ctx])
  row = _row("execution_put_with_events", n, time.perf_counter() - start)
  return row, exec_type_id


def _build_chain(store, art_type_id, exec_type_id, chain):
  """a0 -> e1 -> a1 -> ... -> e_chain -> a_chain; returns ids, e[0] is None."""
  a = _examples(art_type_id, "/data/chain/0", 0)
  [a.id] = store.put_artifacts([a])
  arts, execs = [a.id], [None]
  start = time.perf_counter()
  for k in range(1, chain + 1):
    eid, [a] = _put_execution(store, _trainer(exec_type_id, k), [a],
                              [_examples(art_type_id, f"/data/chain/{k}", k)], [])
    arts.append(a.id)
    execs.append(eid)
  row = _row("lineage_chain_build", chain, time.perf_counter() - start)
  return row, arts, execs


def upstream_by_subgraph(store, artifact_id, depth):
  """get_lineage_subgraph, UPSTREAM, 2*depth hops, reading only the events.

  The events between the returned nodes carry every node id; asking for them alone skips the
  follow-up get_*_by_id calls the python client makes for 'artifacts'/'executions' (~1.3x
  faster). The start artifact is itself part of the subgraph, so it is dropped.
  """
  opts = pb.LineageSubgraphQueryOptions(
      max_num_hops=2 * depth,
      direction=pb.LineageSubgraphQueryOptions.UPSTREAM)
  opts.starting_artifacts.filter_query = f"id = {artifact_id}"
  events = store.get_lineage_subgraph(opts, ["events"]).events
  return ({e.execution_id for e in events},
          {e.artifact_id for e in events} - {artifact_id})


def upstream_by_subgraph_records(store, artifact_id, depth):
  """get_lineage_subgraph, UPSTREAM, 2*depth hops, returning full artifact and execution
  records and the events (what tfx_core's get_lineage returns)."""
  opts = pb.LineageSubgraphQueryOptions(
      max_num_hops=2 * depth,
      direction=pb.LineageSubgraphQueryOptions.UPSTREAM)
  opts.starting_artifacts.filter_query = f"id = {artifact_id}"
  graph = store.get_lineage_subgraph(opts, ["artifacts", "executions", "events"])
  return ({e.id for e in graph.executions},
          {a.id for a in graph.artifacts} - {artifact_id})


def upstream_by_events(store, artifact_id, depth):
  """Hop loop: artifacts -> producing executions -> their inputs, depth times."""
  execs, arts, frontier = set(), set(), [artifact_id]
  for _ in range(depth):
    producers = {e.execution_id
                 for e in store.get_events_by_artifact_ids(frontier)
                 if e.type == OUTPUT} - execs
    if not producers:
      break
    execs |= producers
    frontier = [e.artifact_id
                for e in store.get_events_by_execution_ids(producers)
                if e.type == INPUT]
    arts.update(frontier)
  return execs, arts


def lineage_depth(store, arts, execs, depth, queries):
  rng = random.Random(0)
  starts = [rng.randint(depth, len(arts) - 1) for _ in range(queries)]
  methods = {
      "get_lineage_subgraph(UPSTREAM, events mask)": upstream_by_subgraph,
      "get_lineage_subgraph(UPSTREAM, full records)": upstream_by_subgraph_records,
      "get_events_by_artifact_ids/get_events_by_execution_ids loop": upstream_by_events,
  }
  for k in starts[:5]:
    want = (set(execs[k - depth + 1:k + 1]), set(arts[k - depth:k]))
    for name, fn in methods.items():
      assert fn(store, arts[k], depth) == want, name
  qps = {}
  for name, fn in methods.items():
    start = time.perf_counter()
    for k in starts:
      fn(store, arts[k], depth)
    qps[name] = queries / (time.perf_counter() - start)
  best = max((m for m in qps if "full records" not in m), key=qps.get)
  row = _row("lineage_depth", queries, queries / qps[best], depth=depth,
             hops_per_s=qps[best] * 2 * depth, method=best, qps_by_method=qps)
  return row, best


def sqlite_settings(path):
  """How MLMD's bundled SQLite stores the file and syncs commits.

  MLMD's SqliteMetadataSource (ml_metadata/metadata_store/sqlite_metadata_source.cc) opens the
  file with sqlite3_open_v2, installs a busy handler and wraps each call in BEGIN/COMMIT; it
  issues no journal_mode or synchronous PRAGMA (the only PRAGMAs MLMD's SQL uses in 1.17.1 are
  PRAGMA_TABLE_INFO lookups). So the file keeps SQLite's default rollback journal (DELETE), and
  each connection runs at the bundled SQLite's compile-time synchronous level, read here from
  the compile options embedded in the extension: 1.17.1 bundles SQLite 3.39.2 (source id
  2022-07-21) built with SQLITE_DEFAULT_SYNCHRONOUS=2, i.e. FULL, fsync on every commit.
  journal_mode persists in the file only for WAL (header bytes 18/19 == 2); synchronous is
  per connection and never stored.
  """
  with open(path, "rb") as f:
    header = f.read(20)
  con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
  journal_mode = con.execute("PRAGMA journal_mode").fetchone()[0]
  con.close()
  info = {"journal_mode": journal_mode,
          "wal_in_header": header[18] == 2 and header[19] == 2}
  pkg = os.path.dirname(ml_metadata.__file__)
  for so in glob.glob(os.path.join(pkg, "**", "*.so"), recursive=True):
    with open(so, "rb") as f:
      blob = f.read()
    sync = re.search(rb"DEFAULT_SYNCHRONOUS=(\d)", blob)
    if sync:
      level = int(sync.group(1))
      name = ("OFF", "NORMAL", "FULL", "EXTRA")[level]
      info["synchronous"] = f"{name} (SQLITE_DEFAULT_SYNCHRONOUS={level}; MLMD sets no PRAGMA)"
      source_id = re.search(rb"20\d\d-\d\d-\d\d \d\d:\d\d:\d\d [0-9a-f]{12}", blob)
      info["sqlite_source_id"] = source_id and source_id.group(0).decode()
  return info


def main():
  p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  p.add_argument("--db", required=True)
  p.add_argument("--n", type=int, default=10000)
  p.add_argument("--batch", type=int, default=1000)
  p.add_argument("--chain", type=int, default=1000)
  p.add_argument("--depth", type=int, default=5)
  p.add_argument("--lineage_queries", type=int, default=2000)
  args = p.parse_args()
  assert 1 <= args.depth <= args.chain

  if os.path.exists(args.db):
    os.remove(args.db)
  config = pb.ConnectionConfig()
  config.sqlite.filename_uri = args.db
  config.sqlite.connection_mode = pb.SqliteMetadataSourceConfig.READWRITE_OPENCREATE
  store = metadata_store.MetadataStore(config)

  rows = []
  row, examples = artifact_put_one_by_one(store, args.n)
  rows.append(row)
  rows.append(artifact_put_batched(store, examples[0].type_id, args.n, args.batch))
  row, exec_type_id = execution_put_with_events(store, examples, args.n)
  rows.append(row)
  row, arts, execs = _build_chain(store, examples[0].type_id, exec_type_id, args.chain)
  rows.append(row)
  row, method = lineage_depth(store, arts, execs, args.depth, args.lineage_queries)
  rows.append(row)
  del store  # closes the sqlite connection

  json.dump({"mlmd_version": ml_metadata.__version__,
             "sqlite_journal_mode": sqlite_settings(args.db),
             "rows": rows,
             "lineage_method": method}, sys.stdout)
  print()


if __name__ == "__main__":
  main()
