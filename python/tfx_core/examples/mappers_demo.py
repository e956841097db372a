"""Runs tfx_core's mappers on the bundled penguin and Chicago taxi data, on both paths.

For each numeric penguin feature it computes the analyzer values (mean, stddev, min, max,
quartiles) in one vectorized pass, then scales and bucketizes with the C++ kernels; for the taxi
data it builds frequency-ranked vocabularies of two string features and looks them up with OOV
buckets. Every result is recomputed by the TensorFlow ops inside a tf.function and must match bit
for bit. Later pipeline components replace this demo with the end-to-end pipeline.
"""

import os
import tempfile
import time

from absl import app
from absl import flags
from absl import logging
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from tfx_core import mappers

_DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")

_PENGUIN_CSV = flags.DEFINE_string(
    "penguin_csv", os.path.join(_DATA, "penguin", "penguins_processed.csv"),
    "CSV with numeric penguin features (header row; every column but `species` is scaled).")
_TAXI_CSV = flags.DEFINE_string(
    "taxi_csv", os.path.join(_DATA, "chicago_taxi", "data.csv"),
    "Chicago taxi CSV; its payment_type and company columns get vocabularies.")
_OUTPUT_DIR = flags.DEFINE_string(
    "output_dir", None, "Where vocabulary files are written (default: a new temporary directory).")
_TOP_K = flags.DEFINE_integer("top_k", 20, "Vocabulary size: the most frequent values kept.")
_NUM_OOV_BUCKETS = flags.DEFINE_integer(
    "num_oov_buckets", 2, "Hash buckets for out-of-vocabulary strings.", lower_bound=0)


def _read_csv(path):
  if not os.path.exists(path):
    raise app.UsageError("input file %s does not exist" % path)
  return pacsv.read_csv(path)


def _numeric_features(table):
  """Scales and bucketizes each numeric column; returns printable rows and TF checks."""
  rows, checks = [], []
  for name in table.column_names:
    if name == "species":
      continue
    column = table.column(name).combine_chunks()
    if not pa.types.is_floating(column.type) and not pa.types.is_integer(column.type):
      raise app.UsageError("column %s of %s is %s; expected numbers" % (name, _PENGUIN_CSV.value, column.type))
    values = column.to_numpy(zero_copy_only=False)
    present = values[~np.isnan(values)]
    mean, std = float(present.mean()), float(present.std())
    lo, hi = float(present.min()), float(present.max())
    quartiles = np.unique(np.quantile(present, [0.25, 0.5, 0.75]))
    z = mappers.scale_to_z_score(column, mean, std)
    unit = mappers.scale_to_0_1(column, lo, hi)
    buckets = mappers.bucketize(column, quartiles)
    rows.append((name, len(values), mean, std, float(np.abs(z).max()), float(unit.min()),
                 float(unit.max()), np.bincount(buckets[buckets >= 0]).tolist()))
    checks.append((name, values, mean, std, lo, hi, quartiles, z, unit, buckets))
  return rows, checks


def _vocabularies(table, output_dir):
  rows, checks = [], []
  for name in ("payment_type", "company"):
    column = table.column(name).combine_chunks()
    counts = pc.value_counts(column.drop_null())
    order = np.argsort(-counts.field("counts").to_numpy(), kind="stable")[:_TOP_K.value]
    tokens = counts.field("values").to_numpy(zero_copy_only=False)[order].tolist()
    path = os.path.join(output_dir, name + ".vocab")
    with open(path, "w") as f:
      f.write("".join(token + "\n" for token in tokens))
    vocab = mappers.Vocabulary.from_file(path)
    ids = mappers.apply_vocabulary(column, vocab, num_oov_buckets=_NUM_OOV_BUCKETS.value)
    oov = int((ids >= len(vocab)).sum())
    rows.append((name, len(column), column.null_count, len(vocab), oov, tokens[0]))
    checks.append((name, column, path, ids))
  return rows, checks


def _check_tensorflow(numeric_checks, vocab_checks):
  """Recomputes everything with the TF ops in a tf.function; returns mismatching names."""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  from tfx_core import ops  # pylint: disable=g-import-not-at-top
  mismatches = []
  for name, values, mean, std, lo, hi, quartiles, z, unit, buckets in numeric_checks:
    graph = tf.function(lambda x: (ops.scale_to_z_score(x, mean, std), ops.scale_to_0_1(x, lo, hi),
                                   ops.bucketize(x, quartiles)))
    tz, tunit, tbuckets = graph(values)
    for ours, theirs in ((z, tz), (unit, tunit), (buckets, tbuckets)):
      if ours.tobytes() != theirs.numpy().tobytes():
        mismatches.append(name)
  for name, column, path, ids in vocab_checks:
    strings = tf.constant(column.fill_null("").to_pylist())
    tf_ids = tf.function(lambda s: ops.apply_vocabulary(s, path, _NUM_OOV_BUCKETS.value))(strings)
    valid = column.is_valid().to_numpy(zero_copy_only=False)
    if not np.array_equal(ids[valid], tf_ids.numpy()[valid]):
      mismatches.append(name)
  return mismatches


def main(argv):
  del argv
  output_dir = _OUTPUT_DIR.value or tempfile.mkdtemp(prefix="tfx_core_demo_")
  os.makedirs(output_dir, exist_ok=True)
  start = time.perf_counter()
  numeric_rows, numeric_checks = _numeric_features(_read_csv(_PENGUIN_CSV.value))
  vocab_rows, vocab_checks = _vocabularies(_read_csv(_TAXI_CSV.value), output_dir)
  logging.info("mappers ran in %.1f ms", 1e3 * (time.perf_counter() - start))

  print("\nPenguin features (%s)" % _PENGUIN_CSV.value)
  print("%-18s %5s %8s %8s %9s %6s %6s  %s" % ("feature", "rows", "mean", "stddev", "max|z|",
                                               "min01", "max01", "rows per quartile bucket"))
  for name, n, mean, std, zmax, umin, umax, counts in numeric_rows:
    print("%-18s %5d %8.4f %8.4f %9.4f %6.3f %6.3f  %s" % (name, n, mean, std, zmax, umin, umax, counts))
  print("\nTaxi vocabularies (top %d, %d OOV buckets; files in %s)" % (
      _TOP_K.value, _NUM_OOV_BUCKETS.value, output_dir))
  print("%-14s %6s %6s %6s %6s  %s" % ("feature", "rows", "nulls", "vocab", "oov", "most frequent"))
  for name, n, nulls, size, oov, top in vocab_rows:
    print("%-14s %6d %6d %6d %6d  %s" % (name, n, nulls, size, oov, top))

  mismatches = _check_tensorflow(numeric_checks, vocab_checks)
  if mismatches:
    raise SystemExit("TensorFlow ops disagree with the C++ batch path on: %s" % mismatches)
  print("\nTensorFlow ops inside tf.function reproduce every result bit for bit.")


if __name__ == "__main__":
  app.run(main)
