"""Helpers shared by the benchmarks and their sides that run in other venvs (stdlib only)."""

import json
import os
import resource
import statistics
import subprocess
import sys
import time


def workspace():
  """The source tree (`bazel run` sets BUILD_WORKSPACE_DIRECTORY), else the current folder."""
  return os.environ.get("BUILD_WORKSPACE_DIRECTORY") or os.getcwd()


def peak_mb(include_children=False):
  """Peak resident memory of this process (or of it and its largest child) in MiB."""
  peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
  if include_children:
    peak = max(peak, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
  return peak / 1024


def run_json(command, pythonpath=""):
  """Runs a measurement in a fresh process; returns the JSON on its last output line (or None).

  Our PYTHONPATH is not passed on (another venv's side must not see our packages).
  """
  env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
  env.update(TF_CPP_MIN_LOG_LEVEL="2", **({"PYTHONPATH": pythonpath} if pythonpath else {}))
  done = subprocess.run(command, check=False, capture_output=True, text=True, env=env)
  if done.returncode != 0:
    raise RuntimeError("%s failed:\n%s" % (" ".join(command), done.stderr[-4000:]))
  return json.loads(done.stdout.strip().splitlines()[-1]) if done.stdout.strip() else None


def stats_data(rows, data_dir):
  """The path of stats_bench's seeded Parquet file of `rows` rows in data_dir, generated (in a
  process of its own: stats_bench's flags would clash with the caller's) when missing."""
  parquet = os.path.join(data_dir, "data-%d.parquet" % rows)
  if not os.path.exists(parquet):
    os.makedirs(data_dir, exist_ok=True)
    print("generating %d rows -> %s" % (rows, parquet), flush=True)
    here = os.path.dirname(os.path.abspath(__file__))
    run_json([sys.executable, "-c", "import sys, stats_bench; stats_bench.generate(int("
              "sys.argv[1]), sys.argv[2])", str(rows), parquet + ".tmp"],
             pythonpath=os.pathsep.join([here] + sys.path))
    os.replace(parquet + ".tmp", parquet)
  return parquet


def examples_folder(parquet, folder, columns):
  """`folder`, an Examples artifact (Split-train/data.parquet, row groups of 131,072 rows)
  holding `columns` of the Parquet file, written when missing."""
  if not os.path.isdir(folder):
    import pyarrow.parquet as pq  # pylint: disable=import-outside-toplevel
    os.makedirs(os.path.join(folder + ".tmp", "Split-train"), exist_ok=True)
    pq.write_table(pq.read_table(parquet, columns=columns), os.path.join(
        folder + ".tmp", "Split-train", "data.parquet"), row_group_size=131_072)
    os.replace(folder + ".tmp", folder)
  return folder


def median_call_ms(call, features, warmup=20, calls=200):
  """Median milliseconds of call(features), its outputs (dense or sparse tensors) fetched."""
  for _ in range(warmup):
    call(features)
  times = []
  for _ in range(calls):
    start = time.perf_counter()
    out = call(features)
    _ = [getattr(t, "values", t).numpy() for t in out.values()]
    times.append(time.perf_counter() - start)
  return statistics.median(times) * 1000


def examples_per_s(make_dataset, repeats):
  """Examples/s of fresh datasets from make_dataset() of (features, label) batches, consumed by
  a graph loop that touches every tensor (its values fetched, summed into a count): the median
  of `repeats` full passes, after one warm-up pass over 64 batches."""
  import tensorflow as tf  # pylint: disable=import-outside-toplevel

  @tf.function
  def consume(dataset):
    count = tf.constant(0, tf.int64)
    for features, label in dataset:
      count += tf.size(label, out_type=tf.int64)
      for tensor in features.values():  # Every tensor is read; none adds to the count.
        count += 0 * tf.size(getattr(tensor, "values", tensor), out_type=tf.int64)
    return count

  consume(make_dataset().take(64))
  rates = []
  for _ in range(repeats):
    dataset = make_dataset()
    start = time.perf_counter()
    examples = int(consume(dataset))
    rates.append(examples / (time.perf_counter() - start))
  return statistics.median(rates)


def define_json_out():
  """The --json_out flag every benchmark has (absl is imported here: the other venvs' sides
  never call this)."""
  from absl import flags  # pylint: disable=import-outside-toplevel
  return flags.DEFINE_string("json_out", None, 'Also write the figures to this file as '
                             '{"figures": {name: number}}.')


def write_figures(path, figures):
  """Writes {"figures": figures} to `path` (nothing when path is None), atomically."""
  if not path:
    return
  path = os.path.join(workspace(), path)
  with open(path + ".tmp", "w") as f:
    json.dump({"figures": {k: float(v) for k, v in figures.items()}}, f, indent=1,
              sort_keys=True)
  os.replace(path + ".tmp", path)
  print("figures written to %s" % path)
