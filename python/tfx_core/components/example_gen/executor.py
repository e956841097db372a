"""ExampleGen's executor: resolve the span, read every file, unify types, split, write Parquet."""

import json
import logging
import os

import pyarrow.parquet as pq

from tfx_core import data
from tfx_core.dsl import BaseExecutor

log = logging.getLogger("tfx_core.components.ExampleGen")

DEFAULT_OUTPUT_SPLITS = {"train": 2, "eval": 1}
QUARANTINE_DIR = "quarantine"


def input_patterns(exec_properties):
  """split -> file pattern; one "_all" split (hash-split later) unless input_splits is set."""
  return exec_properties.get("input_splits") or {
      "_all": exec_properties.get("input_pattern") or "*"}


class ExampleGenExecutor(BaseExecutor):
  """Outputs: Split-<name>/data-NNNNN-of-NNNNN.parquet; properties split_names, span, version;
  custom properties row_counts (JSON {split: rows}), input_files, quarantined_rows."""

  def Do(self, input_dict, output_dict, exec_properties):
    examples = output_dict["examples"][0]
    p = exec_properties
    bad_rows = p.get("bad_rows") or "fail"
    if bad_rows not in data.BAD_ROWS:
      raise ValueError("ExampleGen parameter 'bad_rows' must be one of %s, got %r" % (
          "/".join(data.BAD_ROWS), bad_rows))
    patterns = input_patterns(p)
    if p.get("input_splits") and p.get("output_splits"):
      raise ValueError("ExampleGen: give input_splits (splits by file) or output_splits (hash "
                       "buckets), not both")
    span_range = p.get("span_range")
    if span_range is not None and (len(span_range) != 2 or span_range[0] > span_range[1]):
      raise ValueError("ExampleGen parameter 'span_range' must be [first, last], got %r" % (
          span_range,))
    resolved = data.resolve(p["input_base"], patterns, p.get("span"), span_range)
    log.info("reading span %d (version %d): %s", resolved.span, resolved.version,
             {s: len(f) for s, f in resolved.files.items()})

    tables, quarantined, order = [], [], []
    for split, paths in resolved.files.items():
      for path in paths:
        table, skipped = data.read_file(path, p.get("input_format"), bad_rows)
        log.info("read %s: %d rows%s", path, table.num_rows,
                 ", %d bad rows quarantined" % len(skipped) if skipped else "")
        tables.append((path, table))
        order.append(split)
        quarantined.extend(skipped)
    schema, tables = data.unify(tables)

    if p.get("input_splits"):
      parts = {split: [t for s, t in zip(order, tables) if s == split] for split in patterns}
    else:
      buckets = data.bucket_splits(p.get("output_splits") or DEFAULT_OUTPUT_SPLITS)
      parts = {split: [] for split in buckets}
      for table in tables:
        for split, piece in data.split_table(table, buckets, p.get("partition_feature")).items():
          parts[split].append(piece)

    rows_per_shard = p.get("rows_per_shard") or 1_000_000
    counts = {split: _write_split(examples.split_uri(split), schema, pieces, rows_per_shard)
              for split, pieces in parts.items()}
    if quarantined:
      _write_quarantine(os.path.join(examples.uri, QUARANTINE_DIR), quarantined)
      log.warning("%d bad rows quarantined under %s", len(quarantined),
                  os.path.join(examples.uri, QUARANTINE_DIR))
    examples.split_names = list(parts)
    examples.set("span", resolved.span)
    examples.set("version", resolved.version)
    examples.set("row_counts", json.dumps(counts))
    examples.set("spans", json.dumps(resolved.spans))
    examples.set("input_files", json.dumps(
        sorted(os.path.relpath(f, p["input_base"]) for fs in resolved.files.values() for f in fs)))
    examples.set("quarantined_rows", len(quarantined))
    log.info("wrote %s", ", ".join("%s: %d rows" % kv for kv in counts.items()))


def _write_split(folder, schema, pieces, rows_per_shard):
  """Parquet shards of at most rows_per_shard rows; returns the row count."""
  os.makedirs(folder)
  total = sum(t.num_rows for t in pieces)
  shards = max(1, -(-total // rows_per_shard))
  rows = iter(b for t in pieces for b in t.to_batches(max_chunksize=65536))
  pending = None
  for shard in range(shards):
    path = os.path.join(folder, "data-%05d-of-%05d.parquet" % (shard, shards))
    with pq.ParquetWriter(path, schema) as writer:
      written = 0
      while written < rows_per_shard:
        batch = pending if pending is not None else next(rows, None)
        pending = None
        if batch is None:
          break
        room = rows_per_shard - written
        if batch.num_rows > room:
          batch, pending = batch.slice(0, room), batch.slice(room)
        if batch.num_rows:
          writer.write_batch(batch)
          written += batch.num_rows
  return total


def _write_quarantine(folder, bad_rows):
  os.makedirs(folder, exist_ok=True)
  with open(os.path.join(folder, "bad_rows.jsonl"), "w") as f:
    for row in bad_rows:
      f.write(json.dumps({"file": row.path, "row": row.row, "reason": row.reason,
                          "text": row.text}) + "\n")
