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


def settings(p):
  """What to read and how to split it, from our parameters or TFX's config protos
  (input_config, output_config, range_config), which say the same things; giving both ways
  for one thing is an error naming them."""

  def one_of(ours, tfx_name, tfx_value):
    if p.get(ours) is not None and tfx_value is not None:
      raise ValueError("ExampleGen: give %s or %s, not both" % (ours, tfx_name))
    return tfx_value if tfx_value is not None else p.get(ours)

  input_config, output_config = p.get("input_config"), p.get("output_config")
  input_splits = one_of("input_splits", "input_config", input_config and {
      s.name: s.pattern for s in input_config.splits} or None)
  split_config = output_config.split_config if output_config is not None else None
  output_splits = one_of("output_splits", "output_config", split_config and {
      s.name: s.hash_buckets for s in split_config.splits} or None)
  partition = one_of("partition_feature", "output_config's partition_feature_name",
                     split_config.partition_feature_name or None if split_config else None)
  if input_splits and len(input_splits) > 1 and output_splits:
    raise ValueError("ExampleGen: give input splits (splits by file) or output splits (hash "
                     "buckets), not both")
  if input_config is not None and len(input_splits or {}) == 1:
    # TFX's way of saying "one input, hash-split it".
    if p.get("input_pattern"):
      raise ValueError("ExampleGen: give input_pattern or input_config, not both")
    ((_, pattern),) = input_splits.items()
    input_splits, p = None, dict(p, input_pattern=pattern)
  span_range, latest = p.get("span_range"), None
  range_config = p.get("range_config")
  if range_config is not None:
    kind = range_config.WhichOneof("range")
    if p.get("span_range") is not None or p.get("span") is not None:
      raise ValueError("ExampleGen: give span / span_range or range_config, not both")
    if kind == "static_range":
      span_range = [range_config.static_range.start_span_number,
                    range_config.static_range.end_span_number]
    elif kind == "rolling_range":
      span_range = [range_config.rolling_range.start_span_number, None]
      latest = max(1, range_config.rolling_range.num_spans)
  if span_range is not None and (len(span_range) != 2 or (
      span_range[1] is not None and span_range[0] > span_range[1])):
    raise ValueError("ExampleGen parameter 'span_range' must be [first, last], got %r" % (
        span_range,))
  return dict(patterns=input_splits or {"_all": p.get("input_pattern") or "*"},
              by_file=bool(input_splits), output_splits=output_splits,
              partition_feature=partition, span=p.get("span"), span_range=span_range,
              latest=latest)


def resolve(p):
  """The span and files this run reads."""
  s = settings(p)
  return data.resolve(p["input_base"], s["patterns"], s["span"], s["span_range"], s["latest"])


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
    config = settings(p)
    schema = (input_dict.get("schema") or [None])[0]
    if schema is not None:
      from tfx_core import validation  # pylint: disable=import-outside-toplevel
      schema = validation.load_schema(schema.schema_path)
    patterns = config["patterns"]
    resolved = resolve(p)
    log.info("reading span %d (version %d): %s", resolved.span, resolved.version,
             {s: len(f) for s, f in resolved.files.items()})

    tables, quarantined, order = [], [], []
    for split, paths in resolved.files.items():
      for path in paths:
        table, skipped = data.read_file(path, p.get("input_format"), bad_rows, schema)
        log.info("read %s: %d rows%s", path, table.num_rows,
                 ", %d bad rows quarantined" % len(skipped) if skipped else "")
        tables.append((path, table))
        order.append(split)
        quarantined.extend(skipped)
    schema, tables = data.unify(tables)

    if config["by_file"]:
      parts = {split: [t for s, t in zip(order, tables) if s == split] for split in patterns}
    else:
      buckets = data.bucket_splits(config["output_splits"] or DEFAULT_OUTPUT_SPLITS)
      parts = {split: [] for split in buckets}
      for table in tables:
        for split, piece in data.split_table(table, buckets,
                                             config["partition_feature"]).items():
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
