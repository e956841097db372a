"""The Trainer's input next to TFX's (tfx_bsl 1.21.0 TFXIO) and plain tf.data, and Keras fit fed
by it next to fit from memory, on stats_bench's seeded data after Transform.

    bazel run //tools/bench:trainer_bench -- [--rows=1000000] [--workdir=.bench/trainer] [--json_out=FILE]

Data: stats_bench.generate()'s rows (cached in --data_dir, shared with stats_bench) through the
Transform component (transform_bench's preprocessing_fn, DirectRunner): 17 transformed features
(f0_z, f1_z VarLen float -> SparseTensor; 8 float z-scores, 2 bucket ids, 5 vocabulary ids),
Parquet in row groups of 131,072 rows. TFX's side reads the same rows as gzipped TFRecord of
tf.Example (written once by tfx_bsl's RecordBatchToExamplesEncoder, one shard per row group).
Label: f2_bucket. Every measurement runs in a fresh process (peak RSS is its own):
  input   examples/s of (features, label) batches of --batch_size rows, all 17 features, one
          epoch, consumed by a graph loop that reads every tensor (bench_util.examples_per_s;
          the median of --repeats passes), unshuffled and shuffled (seeded; buffer 10,000):
            tfx_core   DataAccessor.tf_dataset_factory over the Parquet examples
            tfx_bsl    TFExampleRecord(...).TensorFlowDataset, TFX's DataAccessor (own venv,
                       tools/bench/tfxbsl_venv.sh; its side is tools/bench/tfxbsl_input.py)
            tf.data    TFRecordDataset(GZIP) -> batch -> tf.io.parse_example -> prefetch
  fit     wall time of one epoch of Keras fit (after a warm-up fit of 8 steps; the median of
          --fit_epochs rounds in one process, the feeds taking turns in each; the figure is
          the median over rounds of the round's DataAccessor / floor ratio, paired so that a
          shared machine's slow spells cancel) of an MLP (concat -> 64 relu -> 64 relu -> 10 logits) over the 14
          dense features, fed by our DataAccessor (shuffled) vs fed from memory: the same
          columns cut into batches beforehand and held as tensors (a cached tf.data of them:
          no input cost, the floor the figure divides by), and as numpy arrays
          (fit(x=dict, y=..., shuffle=True), Keras slicing the batches).
The bench checks that every unshuffled batch of ours equals the tf.data side's (same rows in
the same order, values and sparse indices identical); a difference fails it.
"""

import glob
import json
import os
import subprocess
import sys
import time

from absl import app, flags

from bench_util import (define_json_out, examples_folder, examples_per_s, peak_mb, run_json,
                        stats_data, workspace, write_figures)

_ROWS = flags.DEFINE_integer("rows", 1_000_000, "Rows of the generated dataset.", lower_bound=10000)
_WORKDIR = flags.DEFINE_string("workdir", None, "Outputs (default: .bench/trainer in the "
                               "workspace).")
_DATA_DIR = flags.DEFINE_string("data_dir", None, "The cached data, shared with stats_bench "
                                "(default: .bench/stats in the workspace).")
_TFXBSL_VENV = flags.DEFINE_string("tfxbsl_venv", None, "The tfx_bsl venv (created if "
                                   "missing). Default: .bench/tfxbsl_venv in the workspace.")
_BATCH_SIZE = flags.DEFINE_integer("batch_size", 1024, "Rows per batch.", lower_bound=1)
_REPEATS = flags.DEFINE_integer("repeats", 3, "Timed input passes in each process; the table "
                                "shows the median.", lower_bound=1)
_FIT_EPOCHS = flags.DEFINE_integer("fit_epochs", 7, "Timed epochs of each fit feed, taking "
                                   "turns in rounds; the figure is the median over rounds of "
                                   "the round's ratio.", lower_bound=1)
_MODE = flags.DEFINE_string("mode", None, "Internal: run one tfx_core measurement.")
_JSON_OUT = define_json_out()

_HERE = os.path.dirname(os.path.abspath(__file__))
LABEL = "f2_bucket"
SPARSE = ("f0_z", "f1_z")  # The model reads the dense features only.
SHUFFLE_SEED = 1


def _schema(graph_dir, dense_only=False):
  """The transformed schema (TFT's transformed_metadata), optionally without SPARSE."""
  import tfx_core.transform as tft  # pylint: disable=import-outside-toplevel
  schema = tft.TFTransformOutput(graph_dir).transformed_metadata.schema
  if dense_only:
    kept = [f for f in schema.feature if f.name not in SPARSE]
    del schema.feature[:]
    schema.feature.extend(kept)
  return schema


def _ours(files, schema, shuffle, num_epochs=1):
  from tfx_core import tfxio  # pylint: disable=import-outside-toplevel
  return tfxio.tf_dataset(files, tfxio.TensorFlowDatasetOptions(
      batch_size=_BATCH_SIZE.value, label_key=LABEL, num_epochs=num_epochs, shuffle=shuffle,
      shuffle_seed=SHUFFLE_SEED), schema)


def _tfdata(tfrecords, graph_dir, shuffle):
  """TFRecordDataset -> batch -> parse_example, as a hand-written TF input pipeline does."""
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  import tfx_core.transform as tft  # pylint: disable=import-outside-toplevel
  spec = tft.TFTransformOutput(graph_dir).transformed_feature_spec()
  files = sorted(tf.io.gfile.glob(os.path.join(tfrecords, "*.gz")))
  dataset = tf.data.TFRecordDataset(files, compression_type="GZIP")
  if shuffle:
    dataset = dataset.shuffle(10000, seed=SHUFFLE_SEED)

  def parse(records):
    features = tf.io.parse_example(records, spec)
    return features, features.pop(LABEL)
  return dataset.batch(_BATCH_SIZE.value).map(parse, num_parallel_calls=tf.data.AUTOTUNE) \
      .prefetch(tf.data.AUTOTUNE)


def _model(feature_names):
  import keras  # pylint: disable=import-outside-toplevel
  keras.utils.set_random_seed(SHUFFLE_SEED)
  inputs = {n: keras.Input(shape=(), name=n, dtype="int64" if n.endswith(("_id", "_bucket"))
                           else "float32") for n in feature_names}
  x = keras.layers.Concatenate()([keras.ops.expand_dims(keras.ops.cast(inputs[n], "float32"),
                                                        -1) for n in feature_names])
  for _ in range(2):
    x = keras.layers.Dense(64, activation="relu")(x)
  model = keras.Model(inputs, keras.layers.Dense(10)(x))
  model.compile(optimizer=keras.optimizers.Adam(1e-3), metrics=["accuracy"],
                loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
  return model


def _fit(files, schema):
  """{feed: [seconds of each epoch of fit]}. The feeds take turns (each round in the reverse
  order of the last), so a slow spell of a shared machine hits a round's epochs alike."""
  import pyarrow.parquet as pq  # pylint: disable=import-outside-toplevel
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  names = sorted(f.name for f in schema.feature if f.name != LABEL)
  table = pq.read_table(sorted(glob.glob(files)), columns=names + [LABEL])
  x, y = {n: table[n].to_numpy() for n in names}, table[LABEL].to_numpy()
  size = _BATCH_SIZE.value
  full = len(y) // size * size  # In memory: the batches cut beforehand, held as tensors.
  held = tf.data.Dataset.from_tensor_slices((
      {n: v[:full].reshape(-1, size) for n, v in x.items()}, y[:full].reshape(-1, size)))
  if full < len(y):
    held = held.concatenate(tf.data.Dataset.from_tensors((
        {n: v[full:] for n, v in x.items()}, y[full:])))
  held = held.cache()
  feeds = {
      "ours": lambda model, steps=None: model.fit(
          _ours(files, schema, shuffle=True).take(steps or -1), epochs=1, verbose=0),
      "inmemory": lambda model, steps=None: model.fit(held.take(steps or -1), epochs=1,
                                                      verbose=0),
      "numpy": lambda model, steps=None: model.fit(
          {n: v[:(steps or len(y)) * size] for n, v in x.items()}, y[:(steps or len(y)) * size],
          batch_size=size, epochs=1, shuffle=True, verbose=0)}
  models = {name: _model(names) for name in feeds}
  for name, fit in feeds.items():
    fit(models[name], steps=8)  # Traces the train step.
  times = {name: [] for name in feeds}
  order = list(feeds)
  for _ in range(_FIT_EPOCHS.value):
    for name in order:
      start = time.perf_counter()
      feeds[name](models[name])
      times[name].append(time.perf_counter() - start)
    order.reverse()
  return times


def measure(mode, paths):
  """One tfx_core-venv measurement, in this (fresh) process."""
  files, graph_dir, tfrecords = (paths["files"], paths["graph_dir"], paths["tfrecords"])
  if mode in ("ours", "ours_shuffled"):
    schema = _schema(graph_dir)
    rate = examples_per_s(lambda: _ours(files, schema, mode == "ours_shuffled"),
                          _REPEATS.value)
    return {"examples_per_s": rate, "peak_mb": peak_mb()}
  if mode in ("tfdata", "tfdata_shuffled"):
    rate = examples_per_s(lambda: _tfdata(tfrecords, graph_dir, mode == "tfdata_shuffled"),
                          _REPEATS.value)
    return {"examples_per_s": rate, "peak_mb": peak_mb()}
  if mode == "agree":
    return _agreement(files, graph_dir, tfrecords)
  return _fit(files, _schema(graph_dir, dense_only=True))


def _agreement(files, graph_dir, tfrecords):
  """Compares every unshuffled batch of ours with tf.data's; returns the counts."""
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  ours = _ours(files, _schema(graph_dir), shuffle=False)
  theirs = _tfdata(tfrecords, graph_dir, shuffle=False)

  @tf.function
  def differences(pairs):
    batches, bad = tf.constant(0, tf.int64), tf.constant(0, tf.int64)
    for (features, label), (their_features, their_label) in pairs:
      batches += 1
      same = [tf.reduce_all(tf.equal(label, their_label))]
      for name, tensor in features.items():
        other = their_features[name]
        if isinstance(tensor, tf.SparseTensor):
          same += [tf.reduce_all(tf.equal(tensor.indices, other.indices)),
                   tf.reduce_all(tf.equal(tensor.values, other.values)),
                   tf.reduce_all(tf.equal(tensor.dense_shape, other.dense_shape))]
        else:
          same.append(tf.reduce_all(tf.equal(tensor, other)))
      bad += tf.cast(tf.logical_not(tf.reduce_all(tf.stack(same))), tf.int64)
    return batches, bad
  batches, bad = differences(tf.data.Dataset.zip((ours, theirs)))
  return {"batches": int(batches), "different": int(bad),
          "expected": int(ours.cardinality())}


def _run_ours(mode, paths):
  return run_json([sys.executable, os.path.abspath(__file__), "--mode=" + mode,
                   "--batch_size=%d" % _BATCH_SIZE.value, "--repeats=%d" % _REPEATS.value,
                   "--fit_epochs=%d" % _FIT_EPOCHS.value,
                   json.dumps(paths)], pythonpath=os.pathsep.join(sys.path))


def _prepare(rows, workdir, data_dir, venv):
  """The transformed Parquet examples and their TFRecord copy, made once and cached."""
  parquet = stats_data(rows, data_dir)
  raw = ["f%d" % i for i in range(10)] + ["s%d" % i for i in range(5)]
  examples = examples_folder(parquet, os.path.join(workdir, "examples-%d" % rows), raw)
  transformed = os.path.join(workdir, "transformed-%d" % rows)
  if not os.path.isdir(transformed):
    print("transforming %d rows (Transform component, DirectRunner) ..." % rows, flush=True)
    run_json([sys.executable, os.path.join(_HERE, "transform_bench.py"), "--mode=beam",
              examples, transformed + ".tmp"], pythonpath=os.pathsep.join([_HERE] + sys.path))
    os.replace(transformed + ".tmp", transformed)
  graph_dir = os.path.join(transformed, "transform_graph")
  split = os.path.join(transformed, "transformed_examples", "Split-train")
  tfrecords = os.path.join(workdir, "tfrecord-%d" % rows)
  if not os.path.isdir(tfrecords):
    print("writing them as gzipped TFRecord of tf.Example (tfx_bsl) ...", flush=True)
    run_json([os.path.join(venv, "bin", "python"), os.path.join(_HERE, "tfxbsl_input.py"),
              "--mode=write_tfrecord", "--parquet_dir=" + split, "--out=" + tfrecords + ".tmp",
              "--schema=" + _schema_file(graph_dir)])
    os.replace(tfrecords + ".tmp", tfrecords)
  return {"files": os.path.join(split, "*.parquet"), "graph_dir": graph_dir,
          "tfrecords": tfrecords}


def _schema_file(graph_dir):
  """The TransformGraph's transformed schema (pbtxt), for tfx_bsl's side."""
  # pylint: disable=import-outside-toplevel
  from tfx_core.transform._graph import SCHEMA_FILE, TRANSFORMED_METADATA_DIR
  return os.path.join(graph_dir, TRANSFORMED_METADATA_DIR, SCHEMA_FILE)


def _tfxbsl(venv, paths, shuffle):
  return run_json([os.path.join(venv, "bin", "python"), os.path.join(_HERE, "tfxbsl_input.py"),
                   "--mode=read", "--tfrecord_dir=" + paths["tfrecords"],
                   "--schema=" + _schema_file(paths["graph_dir"]), "--label_key=" + LABEL,
                   "--batch_size=%d" % _BATCH_SIZE.value, "--shuffle=%d" % shuffle,
                   "--repeats=%d" % _REPEATS.value])


def main(argv):
  if _MODE.value:
    print(json.dumps(measure(_MODE.value, json.loads(argv[1]))))
    return
  rows = _ROWS.value
  workdir = _WORKDIR.value or os.path.join(workspace(), ".bench", "trainer")
  data_dir = _DATA_DIR.value or os.path.join(workspace(), ".bench", "stats")
  venv = _TFXBSL_VENV.value or os.path.join(workspace(), ".bench", "tfxbsl_venv")
  os.makedirs(workdir, exist_ok=True)
  subprocess.run(["bash", os.path.join(_HERE, "tfxbsl_venv.sh"), venv], check=True)
  paths = _prepare(rows, workdir, data_dir, venv)

  print("checking our batches against tf.data's ...", flush=True)
  agree = _run_ours("agree", paths)
  results = {}
  for shuffle in (False, True):
    suffix = "_shuffled" if shuffle else ""
    print("measuring input%s: tfx_core, tfx_bsl, tf.data ..." % suffix.replace("_", ", "),
          flush=True)
    results["ours" + suffix] = _run_ours("ours" + suffix, paths)
    results["tfxbsl" + suffix] = _tfxbsl(venv, paths, shuffle)
    results["tfdata" + suffix] = _run_ours("tfdata" + suffix, paths)
  print("measuring Keras fit: fed by the DataAccessor, from memory ...", flush=True)
  fit = _run_ours("fit", paths)

  print("\n$ trainer_bench %s\n%d rows, 17 transformed features, batches of %d, tfx_bsl %s "
        "(%s cores)\n" % (" ".join(sys.argv[1:]), rows, _BATCH_SIZE.value,
                           results["tfxbsl"]["tfx_bsl_version"], os.cpu_count()))
  print("| input (one epoch, every tensor read; median of %d) | examples/s | peak RSS (MiB) | "
        "tfx_core's speedup |" % _REPEATS.value)
  print("|---|---:|---:|---:|")
  for shuffle in ("", "_shuffled"):
    ours = results["ours" + shuffle]["examples_per_s"]
    for key, label in (("ours", "tfx_core DataAccessor, Parquet"),
                       ("tfxbsl", "tfx_bsl TFXIO (TFX's DataAccessor), TFRecord.gz"),
                       ("tfdata", "tf.data TFRecordDataset + parse_example, TFRecord.gz")):
      result = results[key + shuffle]
      print("| %s%s | %s | %s | %s |" % (
          label, ", shuffled" if shuffle else "", "{:,.0f}".format(result["examples_per_s"]),
          "%.0f" % result["peak_mb"],
          "" if key == "ours" else "%.1fx" % (ours / result["examples_per_s"])))
  median = lambda values: sorted(values)[len(values) // 2]
  ratio = median([a / b for a, b in zip(fit["ours"], fit["inmemory"])])
  print("\n| Keras fit, one epoch (feeds taking turns, %d epochs each) | fastest s | median s |"
        % _FIT_EPOCHS.value)
  print("|---|---:|---:|")
  for key, label in (("ours", "fed by tfx_core's DataAccessor (shuffled)"),
                     ("inmemory", "from batches held in memory as tensors (the floor)"),
                     ("numpy", "from numpy arrays in memory (fit(x=dict, y), shuffle=True)")):
    print("| %s | %.2f | %.2f |" % (label, min(fit[key]), median(fit[key])))
  print("| DataAccessor / floor, fastest and median epochs | %.3f | %.3f |" % (
      min(fit["ours"]) / min(fit["inmemory"]), median(fit["ours"]) / median(fit["inmemory"])))
  print("\nfit_time_vs_inmemory (target <= 1.10): %.3f, the median over rounds of the round's "
        "DataAccessor epoch / floor epoch (rounds: %s)" % (ratio, ", ".join(
            "%.3f" % (a / b) for a, b in zip(fit["ours"], fit["inmemory"]))))
  write_figures(_JSON_OUT.value, {
      "data_accessor_vs_tfxio": results["ours"]["examples_per_s"] /
                                results["tfxbsl"]["examples_per_s"],
      "data_accessor_vs_tfdata": results["ours"]["examples_per_s"] /
                                 results["tfdata"]["examples_per_s"],
      "data_accessor_vs_tfxio_shuffled": results["ours_shuffled"]["examples_per_s"] /
                                         results["tfxbsl_shuffled"]["examples_per_s"],
      "fit_time_vs_inmemory": ratio})
  if agree["different"] or agree["batches"] != agree["expected"]:
    print("\nDISAGREEMENT with tf.data: %d of %d batches differ (%d expected)" % (
        agree["different"], agree["batches"], agree["expected"]))
    sys.exit(1)
  print("\nagreement: all %d unshuffled batches equal tf.data's parse of the same rows "
        "(labels, values, sparse indices and shapes)" % agree["batches"])


if __name__ == "__main__":
  app.run(main)
