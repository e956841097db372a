"""tfx_core's statistics next to TensorFlow Data Validation 1.16.1 on the same seeded data.

    bazel run //tools/bench:stats_bench -- [--rows=1000000] [--workdir=.bench/stats] [--json_out=FILE]

Data (seeded, cached in --workdir): --rows rows of 10 float columns (f0, f1 with 5% missing),
5 int columns and 5 string columns with Zipf(1.2) values over vocabularies of 10 to 100,000.
Every measurement runs in a fresh process, so peak memory (ru_maxrss) is its own:
  tfx_core in-process   generate_statistics on an Arrow table already in memory
  tfx_core DirectRunner StatisticsGen's Beam pipeline reading the Parquet file
  TFDV in-memory        tfdv.generate_statistics_from_dataframe on a DataFrame in memory
  TFDV Beam             tfdv.generate_statistics_from_tfrecord (default options, DirectRunner)
  (and an empty Beam pipeline, the fixed cost under any DirectRunner measurement)
TFDV runs in its own venv (tools/bench/tfdv_venv.sh; --tfdv_venv). The bench then checks that
counts, missing, mean, std, min and max agree with TFDV's, that our quantiles are within their
rank bound of the exact ranks, and our top values and unique counts within the sketches' bounds
of TFDV's exact ones; a disagreement fails the bench.
"""

import json
import os
import subprocess
import sys
import time

import numpy as np
from absl import app, flags

from bench_util import define_json_out, peak_mb, run_json, workspace, write_figures

_ROWS = flags.DEFINE_integer("rows", 1_000_000, "Rows of the generated dataset.", lower_bound=1000)
_WORKDIR = flags.DEFINE_string("workdir", None, "Data and outputs (default: .bench/stats in the "
                               "workspace).")
_TFDV_VENV = flags.DEFINE_string("tfdv_venv", None, "The TFDV venv (created if missing). "
                                 "Default: .bench/tfdv_venv in the workspace.")
_SKIP_TFDV_BEAM = flags.DEFINE_bool("skip_tfdv_beam", False, "Skip TFDV's (slow) Beam path.")
_MODE = flags.DEFINE_string("mode", None, "Internal: run one tfx_core measurement.")
_JSON_OUT = define_json_out()

_HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 20261124
VOCABULARIES = (10, 100, 1_000, 10_000, 100_000)


def generate(rows, path):
  """The seeded dataset as Parquet (row groups of 131,072 rows)."""
  import pyarrow as pa  # pylint: disable=import-outside-toplevel
  import pyarrow.parquet as pq  # pylint: disable=import-outside-toplevel
  rng = np.random.default_rng(SEED)
  columns = {}
  for i in range(10):
    values = [rng.normal(50, 10, rows), rng.lognormal(0, 1, rows), rng.uniform(-1, 1, rows),
              rng.exponential(3, rows), rng.standard_t(3, rows)][i % 5]
    mask = rng.random(rows) < 0.05 if i < 2 else None
    columns["f%d" % i] = pa.array(values, mask=mask)
  for i in range(5):
    columns["i%d" % i] = pa.array(rng.integers(0, 10 ** (i + 1), rows))
  for i, size in enumerate(VOCABULARIES):
    words = np.array(["v%d_%d" % (i, k) for k in range(size)], dtype=object)
    ranks = np.minimum(rng.zipf(1.2, rows), size) - 1
    columns["s%d" % i] = pa.array(words[ranks], pa.string())
  pq.write_table(pa.table(columns), path, row_group_size=131_072)


def measure(mode, parquet, out):
  """One tfx_core measurement, in this (fresh) process."""
  import pyarrow.parquet as pq  # pylint: disable=import-outside-toplevel
  from tfx_core import validation  # pylint: disable=import-outside-toplevel
  if mode == "in_process":
    table = pq.read_table(parquet)
    start = time.perf_counter()
    stats = validation.generate_statistics(table)
    seconds = time.perf_counter() - start
  elif mode == "floats":
    table = pq.read_table(parquet, columns=["f%d" % i for i in range(10)])
    start = time.perf_counter()
    stats = validation.generate_statistics(table)
    seconds = time.perf_counter() - start
  elif mode == "beam_floor":
    import apache_beam as beam  # pylint: disable=import-outside-toplevel
    start = time.perf_counter()
    with beam.Pipeline() as p:
      _ = p | beam.Create([parquet]) | beam.Map(len)
    return {"seconds": time.perf_counter() - start, "peak_rss_mb": peak_mb()}
  else:
    import apache_beam as beam  # pylint: disable=import-outside-toplevel
    start = time.perf_counter()
    with beam.Pipeline() as p:
      _ = (validation.read_parquet_batches(p, parquet)
           | validation.GenerateStatistics()
           | beam.Map(validation.write_statistics, out))
    seconds = time.perf_counter() - start
    stats = validation.load_statistics(out)
  validation.write_statistics(stats, out)
  return {"seconds": seconds, "peak_rss_mb": peak_mb()}


def _ours(mode, parquet, out):
  return run_json([sys.executable, os.path.abspath(__file__), "--mode=" + mode,
                    "--workdir=" + os.path.dirname(parquet), parquet, out],
                   pythonpath=os.pathsep.join(sys.path))


def _tfdv(venv, mode, source, out):
  return run_json([os.path.join(venv, "bin", "python"), os.path.join(_HERE, "tfdv_stats.py"),
                    mode, source, out])


def check_agreement(parquet, ours, tfdv):
  """Problems (strings) where our statistics and TFDV's disagree beyond the stated bounds."""
  import pyarrow.parquet as pq  # pylint: disable=import-outside-toplevel
  from tfx_core import validation  # pylint: disable=import-outside-toplevel
  table = pq.read_table(parquet)
  problems = []
  for name in table.column_names:
    a, b = validation.get_feature(ours, name), validation.get_feature(tfdv, name)
    if a.HasField("num_stats"):
      x, y = a.num_stats, b.num_stats
      for field in ("num_non_missing", "num_missing"):
        if getattr(x.common_stats, field) != getattr(y.common_stats, field):
          problems.append("%s %s: %d vs TFDV %d" % (name, field, getattr(x.common_stats, field),
                                                    getattr(y.common_stats, field)))
      for field in ("mean", "std_dev", "min", "max"):
        if not np.isclose(getattr(x, field), getattr(y, field), rtol=1e-6, atol=1e-9):
          problems.append("%s %s: %r vs TFDV %r" % (name, field, getattr(x, field),
                                                    getattr(y, field)))
      values = np.sort(table[name].drop_null().to_numpy().astype(float))
      quantiles = [bucket.high_value for bucket in x.histograms[1].buckets][:-1]
      for i, q in enumerate(quantiles):
        rank = np.searchsorted(values, q, side="right") / len(values)
        low = np.searchsorted(values, q, side="left") / len(values)
        target = (i + 1) / len(x.histograms[1].buckets)
        if low > target + validation.QUANTILES_RANK_ERROR or \
            rank < target - validation.QUANTILES_RANK_ERROR:
          problems.append("%s quantile %.1f: ranks [%.4f, %.4f]" % (name, target, low, rank))
    else:
      x, y = a.string_stats, b.string_stats
      if x.common_stats.num_non_missing != y.common_stats.num_non_missing:
        problems.append("%s count differs" % name)
      error = {c.name: c.num for c in a.custom_stats}
      relative = error["unique_relative_error"]
      if abs(x.unique - y.unique) > 4 * relative * y.unique:
        problems.append("%s unique: %d vs TFDV %d" % (name, x.unique, y.unique))
      counts = {b.label: b.sample_count for b in x.rank_histogram.buckets}
      for top in y.top_values:
        got = counts.get(top.value, 0.0)
        if not top.frequency - error["top_values_max_error"] <= got <= top.frequency:
          problems.append("%s top value %s: %g vs TFDV %g (bound %g)" % (
              name, top.value, got, top.frequency, error["top_values_max_error"]))
  return problems


def main(argv):
  if _MODE.value:
    print(json.dumps(measure(_MODE.value, argv[1], argv[2])))
    return
  workdir = _WORKDIR.value or os.path.join(workspace(), ".bench", "stats")
  os.makedirs(workdir, exist_ok=True)
  parquet = os.path.join(workdir, "data-%d.parquet" % _ROWS.value)
  tfrecord = os.path.join(workdir, "data-%d.tfrecord" % _ROWS.value)
  venv = _TFDV_VENV.value or os.path.join(workspace(), ".bench", "tfdv_venv")
  subprocess.run(["bash", os.path.join(_HERE, "tfdv_venv.sh"), venv], check=True)
  if not os.path.exists(parquet):
    print("generating %d rows -> %s" % (_ROWS.value, parquet), flush=True)
    generate(_ROWS.value, parquet + ".tmp")
    os.replace(parquet + ".tmp", parquet)
  if not os.path.exists(tfrecord) and not _SKIP_TFDV_BEAM.value:
    print("writing tf.Examples for TFDV's Beam path -> %s" % tfrecord, flush=True)
    _tfdv(venv, "write_tfrecord", parquet, tfrecord + ".tmp")
    os.replace(tfrecord + ".tmp", tfrecord)

  rows = _ROWS.value
  results = {}
  for label, run in (
      ("tfx_core in-process", lambda o: _ours("in_process", parquet, o)),
      ("tfx_core DirectRunner", lambda o: _ours("beam", parquet, o)),
      ("TFDV in-memory", lambda o: _tfdv(venv, "in_memory", parquet, o)),
      ("TFDV Beam", lambda o: _tfdv(venv, "beam", tfrecord, o))):
    if label == "TFDV Beam" and _SKIP_TFDV_BEAM.value:
      continue
    out = os.path.join(workdir, label.replace(" ", "_") + ".pb")
    print("measuring %s ..." % label, flush=True)
    results[label] = dict(run(out), out=out)
  floats = _ours("floats", parquet, os.path.join(workdir, "floats.pb"))
  # What any Beam pipeline costs here before it reads a row: it bounds the DirectRunner ratio.
  beam_floor = _ours("beam_floor", parquet, os.path.join(workdir, "unused"))

  from tfx_core import validation  # pylint: disable=import-outside-toplevel
  ours = validation.load_statistics(results["tfx_core in-process"]["out"])
  problems = check_agreement(parquet, ours,
                             validation.load_statistics(results["TFDV in-memory"]["out"]))
  problems += ["DirectRunner: " + p for p in check_agreement(
      parquet, validation.load_statistics(results["tfx_core DirectRunner"]["out"]),
      validation.load_statistics(results["TFDV in-memory"]["out"]))]

  print("\n%d rows x 20 columns (%s cores)\n" % (rows, os.cpu_count()))
  print("| path | seconds | rows/s | peak RSS (MiB) |")
  print("|---|---:|---:|---:|")
  for label, r in results.items():
    print("| %s | %.3f | %s | %.0f |" % (label, r["seconds"], "{:,.0f}".format(
        rows / r["seconds"]), r["peak_rss_mb"]))
  figures = {
      "inprocess_vs_tfdv_inmemory": (results["TFDV in-memory"]["seconds"] /
                                     results["tfx_core in-process"]["seconds"]),
      "float_values_per_s_per_core": rows * 10 / floats["seconds"] / os.cpu_count()}
  print("\nin-process vs TFDV in-memory: %.1fx rows/s" % figures["inprocess_vs_tfdv_inmemory"])
  if "TFDV Beam" in results:
    figures["directrunner_vs_tfdv_beam"] = (results["TFDV Beam"]["seconds"] /
                                            results["tfx_core DirectRunner"]["seconds"])
    print("DirectRunner vs TFDV Beam: %.1fx rows/s" % figures["directrunner_vs_tfdv_beam"])
    print("an empty Beam pipeline in a fresh process takes %.3f s: no DirectRunner pipeline "
          "can beat %.0fx TFDV's Beam path on these rows" % (
              beam_floor["seconds"], results["TFDV Beam"]["seconds"] / beam_floor["seconds"]))
  figures["beam_empty_pipeline_s"] = beam_floor["seconds"]
  print("float columns alone: %.0f M values/s (%.0f M per core over %d cores)" % (
      rows * 10 / floats["seconds"] / 1e6, figures["float_values_per_s_per_core"] / 1e6,
      os.cpu_count()))
  write_figures(_JSON_OUT.value, figures)
  if problems:
    print("\nDISAGREEMENTS with TFDV:\n  " + "\n  ".join(problems))
    sys.exit(1)
  print("\nagreement with TFDV: counts, missing, mean, std, min, max equal (rtol 1e-6); "
        "quantiles within %.1f%% rank; unique and top values within the sketches' bounds" % (
            100 * validation.QUANTILES_RANK_ERROR))


if __name__ == "__main__":
  app.run(main)
