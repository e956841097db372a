"""tfx_core's Transform next to TensorFlow Transform 1.21.0 on stats_bench's seeded data.

    bazel run //tools/bench:transform_bench -- [--rows=1000000] [--workdir=.bench/transform]

Data: stats_bench.generate()'s Parquet file, cached in --data_dir (shared with stats_bench).
The preprocessing_fn is tft_transform.py's: scale_to_z_score of f0..f9 (f0, f1 VarLen), bucketize
(10 buckets) of f2, f3 and compute_and_apply_vocabulary of s0..s4, over float32 values.
Every measurement runs in a fresh process, so peak memory (ru_maxrss) is its own:
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
boundaries within the quantile sketch's rank bound of the exact deciles; and that our
DirectRunner's outputs equal our in-process ones. A disagreement fails the bench.
"""

import glob
import importlib.util
import json
import os
import resource
import shutil
import subprocess
import sys
import time

import numpy as np
from absl import app, flags

_ROWS = flags.DEFINE_integer("rows", 1_000_000, "Rows of the generated dataset.", lower_bound=1000)
_WORKDIR = flags.DEFINE_string("workdir", None, "Outputs (default: .bench/transform in the "
                               "workspace).")
_DATA_DIR = flags.DEFINE_string("data_dir", None, "The cached data, shared with stats_bench "
                                "(default: .bench/stats in the workspace).")
_TFT_VENV = flags.DEFINE_string("tft_venv", None, "The TFT venv (created if missing). "
                                "Default: .bench/tft_venv in the workspace.")
_MODE = flags.DEFINE_string("mode", None, "Internal: run one tfx_core measurement.")

_HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("tft_transform", os.path.join(_HERE,
                                                                             "tft_transform.py"))
tft_side = importlib.util.module_from_spec(_spec)  # Stdlib imports only at its top level.
_spec.loader.exec_module(tft_side)
FLOATS, SPARSE, STRINGS = tft_side.FLOATS, tft_side.SPARSE, tft_side.STRINGS


def preprocessing_fn(inputs):
  import tfx_core.transform as tft  # pylint: disable=import-outside-toplevel
  out = {}
  for i in range(10):
    out["f%d_z" % i] = tft.scale_to_z_score(inputs["f%d" % i])
  for name in ("f2", "f3"):
    out[name + "_bucket"] = tft.bucketize(inputs[name], num_buckets=10)
  for i in range(5):
    out["s%d_id" % i] = tft.compute_and_apply_vocabulary(inputs["s%d" % i],
                                                          vocab_filename="s%d" % i)
  return out


def feature_spec():
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  spec = {n: tf.io.VarLenFeature(tf.float32) if n in SPARSE else
          tf.io.FixedLenFeature([], tf.float32) for n in FLOATS}
  spec.update({n: tf.io.FixedLenFeature([], tf.string) for n in STRINGS})
  return spec


def _workspace():
  return os.environ.get("BUILD_WORKSPACE_DIRECTORY") or os.getcwd()


def _peak_mb():
  return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


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
          "peak_mb": _peak_mb()}


def _beam(examples, out):
  """Runs the Transform component's executor over examples/Split-train/*.parquet."""
  from tfx_core import transform, validation  # pylint: disable=import-outside-toplevel
  from tfx_core import types  # pylint: disable=import-outside-toplevel
  from tfx_core.components.transform.executor import TransformExecutor  # pylint: disable=import-outside-toplevel
  from tfx_core.dsl import ExecutorContext  # pylint: disable=import-outside-toplevel

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
  return {"seconds": time.perf_counter() - start, "peak_mb": _peak_mb()}


def _latency(parquet, graph_dir):
  """Median ms per call: the Keras layer, and the SavedModel's transform_features directly."""
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  import tfx_core.transform as tft  # pylint: disable=import-outside-toplevel
  output = tft.TransformOutput(graph_dir)
  layer, graph = output.transform_features_layer(), output.load_transform_graph()
  calls = {"layer": tf.function(lambda f: layer(f)),  # pylint: disable=unnecessary-lambda
           "graph": tf.function(lambda f: graph.transform_features(f))}  # pylint: disable=unnecessary-lambda
  result = {}
  for rows in (1, 1024):
    features = tft_side.raw_features(parquet, rows)
    for name, call in calls.items():
      for _ in range(20):
        out = call(features)
      times = []
      for _ in range(200):
        start = time.perf_counter()
        out = call(features)
        _ = [t.values.numpy() if isinstance(t, tf.SparseTensor) else t.numpy()
             for t in out.values()]
        times.append(time.perf_counter() - start)
      result["%s_ms_%d" % (name, rows)] = float(np.median(times)) * 1000
  return result


def _run_json(command, pythonpath=""):
  env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
  env.update(TF_CPP_MIN_LOG_LEVEL="2", **({"PYTHONPATH": pythonpath} if pythonpath else {}))
  done = subprocess.run(command, check=False, capture_output=True, text=True, env=env)
  if done.returncode != 0:
    raise RuntimeError("%s failed:\n%s" % (" ".join(command), done.stderr[-4000:]))
  return json.loads(done.stdout.strip().splitlines()[-1]) if done.stdout.strip() else None


def _ours(mode, source, out):
  return _run_json([sys.executable, os.path.abspath(__file__), "--mode=" + mode, source, out],
                   pythonpath=os.pathsep.join(sys.path))


def _tft(venv, mode, parquet, workdir):
  return _run_json([os.path.join(venv, "bin", "python"), os.path.join(_HERE, "tft_transform.py"),
                    "--mode=" + mode, "--parquet=" + parquet, "--workdir=" + workdir])


def _flat(column):
  """A transformed column's values (list columns flattened) as numpy."""
  import pyarrow as pa  # pylint: disable=import-outside-toplevel
  array = column.combine_chunks()
  return (array.flatten() if pa.types.is_list(array.type) else array).to_numpy()


def check_agreement(parquet, ours_dir, tft_dir, tft_analyzers, beam_dir):
  """(problems, notes): where our outputs and TFT's disagree beyond the stated bounds."""
  import pyarrow.compute as pc  # pylint: disable=import-outside-toplevel
  import pyarrow.parquet as pq  # pylint: disable=import-outside-toplevel
  from tfx_core import validation  # pylint: disable=import-outside-toplevel
  import tfx_core.transform as tft  # pylint: disable=import-outside-toplevel
  raw = pq.read_table(parquet, columns=FLOATS + STRINGS)
  ours = pq.read_table(os.path.join(ours_dir, "transformed.parquet"))
  theirs = pq.read_table(os.path.join(tft_dir, "transformed"))
  output = tft.TransformOutput(os.path.join(ours_dir, "transform_graph"))
  problems, notes = [], []
  if theirs.num_rows != ours.num_rows:
    problems.append("rows: %d vs TFT %d" % (ours.num_rows, theirs.num_rows))
    return problems, notes
  # z-scores: the i-th smallest output on each side is the i-th smallest input's.
  worst, identical, total = 0.0, 0, 0
  for name in FLOATS:
    a, b = np.sort(_flat(ours[name + "_z"])), np.sort(_flat(theirs[name + "_z"]))
    if a.shape != b.shape or a.dtype != b.dtype:
      problems.append("%s_z: %s %s vs TFT %s %s" % (name, a.shape, a.dtype, b.shape, b.dtype))
      continue
    worst, identical, total = max(worst, float(np.abs(a - b).max())), \
        identical + int((a.view(np.int32) == b.view(np.int32)).sum()), total + len(a)
    if not np.allclose(a, b, rtol=1e-5, atol=1e-6):
      problems.append("%s_z: max abs diff %g (rtol 1e-5, atol 1e-6)" % (name, np.abs(a - b).max()))
  notes.append("z-scores: max abs diff %.3g, %d of %d values bit-identical (%.2f%%)" % (
      worst, identical, total, 100.0 * identical / max(total, 1)))
  # Vocabularies: same tokens in the same order; our ids (input order) are the TFT file's
  # line numbers, and TFT's ids have the same multiset.
  for name in STRINGS:
    with open(tft_analyzers["vocabularies"][name], "rb") as f:
      tokens = f.read().decode().splitlines()
    if output.vocabulary_by_name(name) != [t.encode() for t in tokens]:
      problems.append("vocabulary %s differs from TFT's (%d vs %d tokens)" % (
          name, output.vocabulary_size_by_name(name), len(tokens)))
    expected = pc.index_in(raw[name], value_set=pc.cast(tokens, "string")).to_numpy()
    if not np.array_equal(_flat(ours[name + "_id"]), expected) or not np.array_equal(
        np.sort(_flat(theirs[name + "_id"])), np.sort(expected)):
      problems.append("%s_id: ids differ from TFT's" % name)
  notes.append("vocabularies s0..s4 identical to TFT's (tokens and order), ids identical")
  # Buckets: rows may differ only where the value lies between our k-th boundary and TFT's.
  ranked = {k: v for k, v in output.analyzer_values().items() if k.startswith("bucketize_")}
  boundaries = [ranked[k]["boundaries"] for k in sorted(ranked, key=lambda k: int(k[10:]))]
  for name, mine in zip(("f2", "f3"), boundaries):
    x = np.sort(raw[name].drop_null().to_numpy().astype(np.float32)).astype(np.float64)
    mine, their = np.asarray(mine), np.asarray(tft_analyzers[name + "_boundaries"], np.float64)
    a = np.sort(_flat(ours[name + "_bucket"]))
    b = np.sort(_flat(theirs[name + "_bucket"]))
    lo, hi = np.minimum(mine, their), np.maximum(mine, their)
    between = ((x[:, None] >= lo) & (x[:, None] < hi)).sum(1)
    bad = int((np.abs(a - b) > between).sum())
    if bad or len(mine) != len(their):
      problems.append("%s_bucket: %d rows differ from TFT's outside the boundaries' gaps" % (
          name, bad))
    errors = {}
    for label, bounds in (("ours", mine), ("TFT", their)):
      errors[label] = 0.0
      for k, q in enumerate(bounds):
        target = (k + 1) / (len(bounds) + 1)
        low = np.searchsorted(x, q, side="left") / len(x)
        high = np.searchsorted(x, q, side="right") / len(x)
        errors[label] = max(errors[label], low - target, target - high)
        if label == "ours" and max(low - target, target - high) > \
            validation.QUANTILES_RANK_ERROR:
          problems.append("%s boundary %d: ranks [%.4f, %.4f] vs %.1f" % (
              name, k, low, high, target))
    notes.append("%s_bucket: %.3f%% of rows equal to TFT's; max rank error of the boundaries: "
                 "ours %.4f, TFT %.4f (bound %.3f)" % (
                     name, 100.0 * (a == b).mean(), errors["ours"], errors["TFT"],
                     validation.QUANTILES_RANK_ERROR))
  # Our DirectRunner against our in-process run: the same bits (row order aside).
  if beam_dir:
    beam = pq.read_table(glob.glob(os.path.join(beam_dir, "Split-train", "*.parquet")))
    differ = [n for n in ours.column_names
              if not np.array_equal(np.sort(_flat(ours[n])), np.sort(_flat(beam[n])))]
    if differ or beam.num_rows != ours.num_rows:
      problems.append("DirectRunner outputs differ from in-process ones: %s" % differ)
    else:
      notes.append("tfx_core DirectRunner outputs bit-identical to in-process ones (sorted)")
  return problems, notes


def main(argv):
  if _MODE.value:
    run = {"in_process": _in_process, "beam": _beam, "latency": _latency}[_MODE.value]
    print(json.dumps(run(argv[1], argv[2])))
    return
  rows = _ROWS.value
  workdir = _WORKDIR.value or os.path.join(_workspace(), ".bench", "transform")
  data_dir = _DATA_DIR.value or os.path.join(_workspace(), ".bench", "stats")
  venv = _TFT_VENV.value or os.path.join(_workspace(), ".bench", "tft_venv")
  for d in (workdir, data_dir):
    os.makedirs(d, exist_ok=True)
  parquet = os.path.join(data_dir, "data-%d.parquet" % rows)
  subprocess.run(["bash", os.path.join(_HERE, "tft_venv.sh"), venv], check=True)
  if not os.path.exists(parquet):
    print("generating %d rows -> %s" % (rows, parquet), flush=True)
    # stats_bench's generate(), imported in a process of its own (its flags clash with ours).
    _run_json([sys.executable, "-c", "import sys, stats_bench; stats_bench.generate(int("
               "sys.argv[1]), sys.argv[2])", str(rows), parquet + ".tmp"],
              pythonpath=os.pathsep.join([_HERE] + sys.path))
    os.replace(parquet + ".tmp", parquet)
  # The executor reads every column of its examples: give it the 15 that TFT reads.
  examples = os.path.join(workdir, "examples-%d" % rows)
  if not os.path.isdir(examples):
    import pyarrow.parquet as pq  # pylint: disable=import-outside-toplevel
    os.makedirs(os.path.join(examples + ".tmp", "Split-train"), exist_ok=True)
    pq.write_table(pq.read_table(parquet, columns=FLOATS + STRINGS), os.path.join(
        examples + ".tmp", "Split-train", "data.parquet"), row_group_size=131_072)
    os.replace(examples + ".tmp", examples)

  ours_dir, beam_dir, tft_dir = (os.path.join(workdir, n) for n in ("ours", "ours_beam", "tft"))
  for d in (ours_dir, beam_dir):
    shutil.rmtree(d, ignore_errors=True)
  print("measuring tfx_core in-process ...", flush=True)
  ours = _ours("in_process", parquet, ours_dir)
  print("measuring tfx_core DirectRunner ...", flush=True)
  beam = _ours("beam", examples, beam_dir)
  print("measuring TFT DirectRunner (and its fixed cost on 1,000 rows) ...", flush=True)
  tft = _tft(venv, "analyze_transform", parquet, tft_dir)
  print("measuring latency ...", flush=True)
  latency = _ours("latency", parquet, os.path.join(ours_dir, "transform_graph"))
  tft_latency = _tft(venv, "latency", parquet, tft_dir)
  analyzers = _run_json([os.path.join(venv, "bin", "python"),
                         os.path.join(_HERE, "tft_transform.py"), "--mode=analyzers",
                         "--workdir=" + tft_dir])
  problems, notes = check_agreement(parquet, ours_dir, tft_dir, analyzers,
                                    os.path.join(beam_dir, "transformed_examples"))

  print("\n$ transform_bench %s\n%d rows, 15 raw -> 17 transformed features, TFT %s (%s cores)\n"
        % (" ".join(sys.argv[1:]), rows, tft["tft_version"], os.cpu_count()))
  print("| path | seconds | rows/s | peak RSS (MiB) | speedup vs TFT |")
  print("|---|---:|---:|---:|---:|")
  for label, seconds, peak in (
      ("tfx_core in-process (read+analyze+transform+write)", ours["seconds"], ours["peak_mb"]),
      ("tfx_core in-process, analyze+transform alone", ours["analyze_transform_seconds"], None),
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
  print("(layer: tf.function(transform_features_layer()); transform_features: tf.function over "
        "load_transform_graph().transform_features; outputs fetched to numpy in each call)")
  if problems:
    print("\nDISAGREEMENTS with TFT:\n  " + "\n  ".join(problems))
    sys.exit(1)
  print("\nagreement with TFT:\n  " + "\n  ".join(notes))


if __name__ == "__main__":
  app.run(main)
