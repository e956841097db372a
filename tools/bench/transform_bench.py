"""tfx_core's Transform next to TensorFlow Transform 1.21.0 on stats_bench's seeded data.

    bazel run //tools/bench:transform_bench -- [--rows=1000000] [--workdir=.bench/transform] [--json_out=FILE]

Data: stats_bench.generate()'s Parquet file, cached in --data_dir (shared with stats_bench).
The preprocessing_fn is tft_transform.py's: scale_to_z_score of f0..f9 (f0, f1 VarLen), bucketize
(10 buckets) of f2, f3 and compute_and_apply_vocabulary of s0..s4, over float32 values.
Every measurement runs in a fresh process, so peak memory (ru_maxrss) is its own (tfx_core's
in-process one --repeats times, reported as the median):
  tfx_core in-process    read the 15 columns, analyze_and_transform, write the TransformGraph
                         and the transformed Parquet file (also: analyze+transform alone)
  tfx_core DirectRunner  the Transform component's executor (Beam analysis passes, transform
                         pass, Parquet out; statistics off), over a 15-column copy of the data
  TFT DirectRunner       AnalyzeAndTransformDataset reading the Parquet file, writing
                         transform_fn and Parquet (tft_transform.py, in tools/bench/tft_venv.sh)
  latency                median of 200 calls (after 20 warm-ups) of a tf.function over the
                         TransformGraph, outputs fetched to numpy, on 1 and 1,024 raw rows
The bench then checks TFT's outputs against ours (rows aligned by sorting: every float output is
a monotone function of one input column): z-scores within rtol 1e-5 / atol 1e-6, vocabularies
and ids identical, buckets equal except for values between the two sets of boundaries, and our
boundaries within the quantile sketch's rank bound of the exact deciles, for each of our paths
(Beam merges the sketches in another order, so its boundaries may differ slightly from the
in-process ones, both within the bound). A disagreement fails the bench.
"""

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np
from absl import app, flags

from bench_util import (define_json_out, examples_folder, median_call_ms, peak_mb, run_json,
                        stats_data, workspace, write_figures)

_ROWS = flags.DEFINE_integer("rows", 1_000_000, "Rows of the generated dataset.", lower_bound=1000)
_WORKDIR = flags.DEFINE_string("workdir", None, "Outputs (default: .bench/transform in the "
                               "workspace).")
_DATA_DIR = flags.DEFINE_string("data_dir", None, "The cached data, shared with stats_bench "
                                "(default: .bench/stats in the workspace).")
_TFT_VENV = flags.DEFINE_string("tft_venv", None, "The TFT venv (created if missing). "
                                "Default: .bench/tft_venv in the workspace.")
_REPEATS = flags.DEFINE_integer("repeats", 3, "Fresh processes for tfx_core's in-process "
                                "measurement; the table shows the median (one run is noisy at "
                                "half a second).", lower_bound=1)
_MODE = flags.DEFINE_string("mode", None, "Internal: run one tfx_core measurement.")
_JSON_OUT = define_json_out()

_HERE = os.path.dirname(os.path.abspath(__file__))
_TFT_SPEC = importlib.util.spec_from_file_location("tft_transform",
                                                   os.path.join(_HERE, "tft_transform.py"))
tft_side = importlib.util.module_from_spec(_TFT_SPEC)  # Stdlib imports only at its top level.
_TFT_SPEC.loader.exec_module(tft_side)
FLOATS, SPARSE, STRINGS = tft_side.FLOATS, tft_side.SPARSE, tft_side.STRINGS


def preprocessing_fn(inputs):
  """TFT's side's preprocessing_fn, run with tfx_core.transform in place of tensorflow_transform."""
  import tfx_core.transform as tft  # pylint: disable=import-outside-toplevel
  return tft_side.preprocessing_fn_for(tft)(inputs)


def feature_spec():
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  spec = {n: tf.io.VarLenFeature(tf.float32) if n in SPARSE else
          tf.io.FixedLenFeature([], tf.float32) for n in FLOATS}
  spec.update({n: tf.io.FixedLenFeature([], tf.string) for n in STRINGS})
  return spec


def _in_process(parquet, out):
  import pyarrow.parquet as pq  # pylint: disable=import-outside-toplevel
  import tfx_core.transform as tft  # pylint: disable=import-outside-toplevel
  spec = feature_spec()
  start = time.perf_counter()
  table = pq.read_table(parquet, columns=FLOATS + STRINGS)
  read = time.perf_counter()
  transformed, _ = tft.analyze_and_transform(table, preprocessing_fn, spec,
                                             os.path.join(out, "transform_graph"))
  analyzed = time.perf_counter()
  pq.write_table(transformed, os.path.join(out, "transformed.parquet"))
  end = time.perf_counter()
  return {"seconds": end - start, "analyze_transform_seconds": analyzed - read,
          "peak_mb": peak_mb()}


def _beam(examples, out):
  """Runs the Transform component's executor over examples/Split-train/*.parquet."""
  # pylint: disable=import-outside-toplevel
  from tfx_core import transform, types, validation
  from tfx_core.components.transform.executor import TransformExecutor
  from tfx_core.dsl import ExecutorContext

  def artifact(kind, name):
    a = kind()
    a.uri = os.path.join(out, name)
    os.makedirs(a.uri, exist_ok=True)
    return a
  data, schema = types.Examples(), types.Schema()
  data.uri, data.split_names = examples, ["train"]
  schema.uri = os.path.join(out, "schema")
  os.makedirs(schema.uri, exist_ok=True)
  validation.write_schema(transform.schema_from_feature_spec(feature_spec()),
                          os.path.join(schema.uri, "schema.pbtxt"))
  outputs = {"transform_graph": artifact(types.TransformGraph, "transform_graph"),
             "transformed_examples": artifact(types.Examples, "transformed_examples"),
             "pre_transform_stats": artifact(types.ExampleStatistics, "pre_stats"),
             "post_transform_stats": artifact(types.ExampleStatistics, "post_stats"),
             "post_transform_schema": artifact(types.Schema, "post_schema")}
  executor = TransformExecutor(ExecutorContext(tmp_dir=os.path.join(out, "tmp")))
  start = time.perf_counter()
  executor.Do({"examples": [data], "schema": [schema]}, {k: [v] for k, v in outputs.items()},
              {"preprocessing_fn": "__main__.preprocessing_fn", "disable_statistics": True})
  return {"seconds": time.perf_counter() - start, "peak_mb": peak_mb()}


def _latency(parquet, graph_dir):
  """Median ms per call: the Keras layer, and the SavedModel's transform_features directly."""
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  import tfx_core.transform as tft  # pylint: disable=import-outside-toplevel
  output = tft.TransformOutput(graph_dir)
  layer, graph = output.transform_features_layer(), output.load_transform_graph()
  # pylint: disable=unnecessary-lambda
  calls = {"layer": tf.function(lambda f: layer(f)),
           "graph": tf.function(lambda f: graph.transform_features(f))}
  result = {}
  for rows in (1, 1024):
    features = tft_side.raw_features(parquet, rows)
    for name, call in calls.items():
      result["%s_ms_%d" % (name, rows)] = median_call_ms(call, features)
  return result


def _ours(mode, source, out):
  return run_json([sys.executable, os.path.abspath(__file__), "--mode=" + mode, source, out],
                   pythonpath=os.pathsep.join(sys.path))


def _tft(venv, mode, parquet, workdir):
  return run_json([os.path.join(venv, "bin", "python"), os.path.join(_HERE, "tft_transform.py"),
                    "--mode=" + mode, "--parquet=" + parquet, "--workdir=" + workdir])


def _flat(column):
  """A transformed column's values (list columns flattened) as numpy."""
  import pyarrow as pa  # pylint: disable=import-outside-toplevel
  array = column.combine_chunks()
  if pa.types.is_list(array.type) or pa.types.is_large_list(array.type):
    array = array.flatten()
  return array.to_numpy(zero_copy_only=False)


def _ulps(a, b):
  return int(np.float32(a).view(np.int32)) - int(np.float32(b).view(np.int32))


def check_agreement(parquet, runs, tft_dir, tft_analyzers):
  """(problems, notes): where our runs' outputs ({label: (transformed dir or file, transform
  graph dir)}) and TFT's disagree beyond the stated bounds."""
  import pyarrow as pa  # pylint: disable=import-outside-toplevel
  import pyarrow.compute as pc  # pylint: disable=import-outside-toplevel
  import pyarrow.parquet as pq  # pylint: disable=import-outside-toplevel
  from tfx_core import validation  # pylint: disable=import-outside-toplevel
  import tfx_core.transform as tft  # pylint: disable=import-outside-toplevel
  raw = pq.read_table(parquet, columns=FLOATS + STRINGS)
  theirs = pq.read_table(os.path.join(tft_dir, "transformed"))
  tokens = {}
  for name in STRINGS:
    with open(tft_analyzers["vocabularies"][name], "rb") as f:
      tokens[name] = f.read().splitlines()
  problems, notes = [], []
  for label, (data, graph) in runs.items():
    ours, output = pq.read_table(data), tft.TransformOutput(graph)
    in_order = label == "in-process"  # Beam's shards need not keep the input order.
    if ours.num_rows != theirs.num_rows:
      problems.append("%s: %d rows vs TFT %d" % (label, ours.num_rows, theirs.num_rows))
      continue
    # z-scores: the i-th smallest output on each side is the i-th smallest input's.
    worst, identical, total, exact = 0.0, 0, 0, []
    for name in FLOATS:
      a, b = np.sort(_flat(ours[name + "_z"])), np.sort(_flat(theirs[name + "_z"]))
      if a.shape != b.shape or a.dtype != b.dtype:
        problems.append("%s %s_z: %s %s vs TFT %s %s" % (label, name, a.shape, a.dtype, b.shape,
                                                         b.dtype))
        continue
      same = int((a.view(np.int32) == b.view(np.int32)).sum())
      worst, identical, total = max(worst, float(np.abs(a - b).max())), identical + same, \
          total + len(a)
      exact += [name] if same == len(a) else []
      if not np.allclose(a, b, rtol=1e-5, atol=1e-6):
        problems.append("%s %s_z: max abs diff %g (rtol 1e-5, atol 1e-6)" % (
            label, name, np.abs(a - b).max()))
    notes.append("%s z-scores: max abs diff %.3g, %d of %d values bit-identical (%.2f%%); all "
                 "of %s" % (label, worst, identical, total, 100.0 * identical / max(total, 1),
                            ", ".join(exact) or "none"))
    # Vocabularies: same tokens, same order; ids are the TFT file's line numbers.
    for name in STRINGS:
      if output.vocabulary_by_name(name) != tokens[name]:
        problems.append("%s vocabulary %s differs from TFT's (%d vs %d tokens)" % (
            label, name, output.vocabulary_size_by_name(name), len(tokens[name])))
      expected = pc.index_in(raw[name].cast(pa.binary()), value_set=pa.array(
          tokens[name], pa.binary())).to_numpy(zero_copy_only=False)
      mine = _flat(ours[name + "_id"])
      if not np.array_equal(mine if in_order else np.sort(mine), expected if in_order else
                            np.sort(expected)) or not np.array_equal(
                                np.sort(_flat(theirs[name + "_id"])), np.sort(expected)):
        problems.append("%s %s_id: ids differ from TFT's" % (label, name))
    notes.append("%s vocabularies s0..s4: the same tokens in the same order as TFT's, ids "
                 "identical" % label)
    # Buckets: a row's may differ only where its value lies between our k-th boundary and TFT's.
    values = output.analyzer_values()
    ranked = sorted((k for k in values if k.startswith("bucketize_")), key=lambda k: int(k[10:]))
    for name, key in zip(("f2", "f3"), ranked):
      x = np.sort(raw[name].drop_null().to_numpy().astype(np.float32)).astype(np.float64)
      mine = np.asarray(values[key]["boundaries"], np.float64)
      their = np.asarray(tft_analyzers[name + "_boundaries"], np.float64)
      a, b = np.sort(_flat(ours[name + "_bucket"])), np.sort(_flat(theirs[name + "_bucket"]))
      between = ((x[:, None] >= np.minimum(mine, their)) &
                 (x[:, None] < np.maximum(mine, their))).sum(1)
      bad = int((np.abs(a - b) > between).sum())
      if bad or len(mine) != len(their):
        problems.append("%s %s_bucket: %d rows differ from TFT's outside the gaps between the "
                        "boundaries" % (label, name, bad))
      errors = {}
      for side, bounds in (("ours", mine), ("TFT", their)):
        target = np.arange(1, len(bounds) + 1) / (len(bounds) + 1)
        low = np.searchsorted(x, bounds, side="left") / len(x)
        high = np.searchsorted(x, bounds, side="right") / len(x)
        errors[side] = float(np.maximum(np.maximum(low - target, target - high), 0).max())
      if errors["ours"] > validation.QUANTILES_RANK_ERROR:
        problems.append("%s %s boundaries: rank error %.4f > %.3f" % (
            label, name, errors["ours"], validation.QUANTILES_RANK_ERROR))
      notes.append("%s %s_bucket: %.3f%% of rows equal to TFT's; the boundaries' max rank error:"
                   " ours %.4f, TFT %.4f (bound %.3f)" % (
                       label, name, 100.0 * (a == b).mean(), errors["ours"], errors["TFT"],
                       validation.QUANTILES_RANK_ERROR))
    if in_order:
      moments = [values["scale_to_z_score_%d" % i] for i in range(len(FLOATS))]
      notes.append("TFT's float32 mean, var minus ours, in ulps: " + ", ".join(
          "%s %+d %+d" % (n, _ulps(tft_analyzers[n][0], m["mean"]),
                          _ulps(tft_analyzers[n][1], m["var"]))
          for n, m in zip(FLOATS, moments)))
  return problems, notes


def main(argv):
  if _MODE.value:
    run = {"in_process": _in_process, "beam": _beam, "latency": _latency}[_MODE.value]
    print(json.dumps(run(argv[1], argv[2])))
    return
  rows = _ROWS.value
  workdir = _WORKDIR.value or os.path.join(workspace(), ".bench", "transform")
  data_dir = _DATA_DIR.value or os.path.join(workspace(), ".bench", "stats")
  venv = _TFT_VENV.value or os.path.join(workspace(), ".bench", "tft_venv")
  os.makedirs(workdir, exist_ok=True)
  subprocess.run(["bash", os.path.join(_HERE, "tft_venv.sh"), venv], check=True)
  parquet = stats_data(rows, data_dir)
  # The executor reads every column of its examples: give it the 15 that TFT reads.
  examples = examples_folder(parquet, os.path.join(workdir, "examples-%d" % rows),
                             FLOATS + STRINGS)

  ours_dir, beam_dir, tft_dir = (os.path.join(workdir, n) for n in ("ours", "ours_beam", "tft"))
  for d in (ours_dir, beam_dir):
    shutil.rmtree(d, ignore_errors=True)
  print("measuring tfx_core in-process ...", flush=True)
  runs = [_ours("in_process", parquet, ours_dir) for _ in range(_REPEATS.value)]
  ours = {key: float(np.median([r[key] for r in runs])) for key in runs[0]}
  print("measuring tfx_core DirectRunner ...", flush=True)
  beam = _ours("beam", examples, beam_dir)
  print("measuring TFT DirectRunner (and its fixed cost on 1,000 rows) ...", flush=True)
  tft = _tft(venv, "analyze_transform", parquet, tft_dir)
  print("measuring latency ...", flush=True)
  latency = _ours("latency", parquet, os.path.join(ours_dir, "transform_graph"))
  tft_latency = _tft(venv, "latency", parquet, tft_dir)
  analyzers = run_json([os.path.join(venv, "bin", "python"),
                         os.path.join(_HERE, "tft_transform.py"), "--mode=analyzers",
                         "--workdir=" + tft_dir])
  problems, notes = check_agreement(parquet, {
      "in-process": (os.path.join(ours_dir, "transformed.parquet"),
                     os.path.join(ours_dir, "transform_graph")),
      "DirectRunner": (os.path.join(beam_dir, "transformed_examples", "Split-train"),
                       os.path.join(beam_dir, "transform_graph"))}, tft_dir, analyzers)

  print("\n$ transform_bench %s\n%d rows, 15 raw -> 17 transformed features, TFT %s (%s cores)\n"
        % (" ".join(sys.argv[1:]), rows, tft["tft_version"], os.cpu_count()))
  median = ", median of %d" % len(runs) if len(runs) > 1 else ""
  print("| path | seconds | rows/s | peak RSS (MiB) | speedup vs TFT |")
  print("|---|---:|---:|---:|---:|")
  for label, seconds, peak in (
      ("tfx_core in-process (read+analyze+transform+write)%s" % median, ours["seconds"],
       ours["peak_mb"]),
      ("tfx_core in-process, analyze+transform alone%s" % median,
       ours["analyze_transform_seconds"], None),
      ("tfx_core DirectRunner (Transform executor)", beam["seconds"], beam["peak_mb"]),
      ("TFT DirectRunner (AnalyzeAndTransformDataset)", tft["seconds"], tft["peak_mb"])):
    print("| %s | %.2f | %s | %s | %.1fx |" % (
        label, seconds, "{:,.0f}".format(rows / seconds), "" if peak is None else
        "%.0f" % peak, tft["seconds"] / seconds))
  print("\nTFT's fixed cost (the same pipeline on 1,000 rows): %.1f s" % tft["fixed_seconds"])
  print("\n| latency (median ms/call) | tfx_core layer | tfx_core transform_features | "
        "TFT layer | TFT / tfx_core layer |")
  print("|---|---:|---:|---:|---:|")
  for n in (1, 1024):
    print("| %d row%s | %.3f | %.3f | %.3f | %.1fx |" % (
        n, "s" if n > 1 else "", latency["layer_ms_%d" % n], latency["graph_ms_%d" % n],
        tft_latency["latency_ms_%d" % n],
        tft_latency["latency_ms_%d" % n] / latency["layer_ms_%d" % n]))
  write_figures(_JSON_OUT.value, {
      "inprocess_analyze_transform_vs_tft": tft["seconds"] / ours["analyze_transform_seconds"],
      "inprocess_with_io_vs_tft": tft["seconds"] / ours["seconds"],
      "directrunner_vs_tft": tft["seconds"] / beam["seconds"],
      "latency_ratio_batch1": tft_latency["latency_ms_1"] / latency["layer_ms_1"],
      "latency_ratio_batch1024": tft_latency["latency_ms_1024"] / latency["layer_ms_1024"]})
  print("(layer: tf.function(transform_features_layer()); transform_features: tf.function over "
        "load_transform_graph().transform_features; outputs fetched to numpy in each call)")
  if problems:
    print("\nDISAGREEMENTS with TFT:\n  " + "\n  ".join(problems))
    sys.exit(1)
  print("\nagreement with TFT:\n  " + "\n  ".join(notes))


if __name__ == "__main__":
  app.run(main)
