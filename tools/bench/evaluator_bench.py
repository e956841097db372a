"""The Evaluator next to TFMA (tfma.run_model_analysis, tensorflow-model-analysis 0.52.0 in its
own venv, DirectRunner) on TFMA's anchor workload: a 10-input MLP SavedModel whose
serving_default parses serialized tf.Example, seeded rows, metrics ExampleCount, AUC and
BinaryAccuracy, slices overall and by a categorical feature of 10 values.

    bazel run //tools/bench:evaluator_bench -- --json_out=.bench/evaluator_bench.json

Each side runs in a fresh process on the same rows (ours: Parquet; TFMA's: TFRecords of the
same rows as tf.Example) and the same model. Measured: end-to-end rows/s (model load, reading,
inference, metrics, results), peak RSS; ours also metrics-only (predictions given in a column)
and inference-only rows/s; and the 8,000-example, one-6-value-slice workload of
tensorflow/model-analysis#108. The bench checks agreement and fails otherwise: example counts
and binary accuracy equal, our exact AUC within 1e-3 of TFMA's, and our TFMA-approximation AUC
(num_thresholds=10000) equal to TFMA's (1e-9).
"""

import json
import os
import subprocess
import sys
import time

from absl import app, flags

from bench_models import FEATURES, SEED, Mlp
from bench_util import define_json_out, peak_mb, run_json, workspace, write_figures

_ROWS = flags.DEFINE_integer("rows", 100_000, "Rows of the anchor workload.", lower_bound=1000)
_WORKDIR = flags.DEFINE_string("workdir", None, "Data and model (default: .bench/evaluator).")
_TFMA_VENV = flags.DEFINE_string("tfma_venv", None, "The TFMA venv (created if missing); "
                                 "default .bench/tfma_venv in the workspace.")
_MODE = flags.DEFINE_string("mode", None, "Internal: one measurement in this process.")
_JSON_OUT = define_json_out()

_HERE = os.path.dirname(os.path.abspath(__file__))
ISSUE_108_ROWS, ISSUE_108_VALUES = 8000, 6


def _config(slice_feature, approximate=False, prediction_key=""):
  import tfx_core.evaluation as tfma  # pylint: disable=import-outside-toplevel
  auc = tfma.MetricConfig(class_name="AUC", config='"num_thresholds": 10000' if approximate
                          else "")
  return tfma.EvalConfig(
      model_specs=[tfma.ModelSpec(label_key="label", prediction_key=prediction_key)],
      slicing_specs=[tfma.SlicingSpec(), tfma.SlicingSpec(feature_keys=[slice_feature])],
      metrics_specs=[tfma.MetricsSpec(metrics=[
          tfma.MetricConfig(class_name="ExampleCount"), auc,
          tfma.MetricConfig(class_name="BinaryAccuracy")])])


def _prepare(workdir, rows, slice_values, name):
  """Seeded rows as Parquet (with the model's scores as a column) and as TFRecords."""
  import numpy as np  # pylint: disable=import-outside-toplevel
  import pyarrow as pa  # pylint: disable=import-outside-toplevel
  import pyarrow.parquet as pq  # pylint: disable=import-outside-toplevel
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  from tfx_core._native import ext  # pylint: disable=import-outside-toplevel
  folder = os.path.join(workdir, "%s-%d" % (name, rows))
  paths = {"parquet": os.path.join(folder, "parquet", "data-00000-of-00001.parquet"),
           "tfrecords": os.path.join(folder, "tfrecords", "data-00000-of-00001.tfrecord"),
           "model": os.path.join(workdir, "model"), "slice": "c%d" % slice_values, "rows": rows}
  mlp = Mlp()
  if not os.path.isdir(paths["model"]):
    mlp.save(paths["model"] + ".tmp")
    os.rename(paths["model"] + ".tmp", paths["model"])
  if os.path.exists(paths["tfrecords"]):
    return paths
  rng = np.random.default_rng(SEED + rows)
  x = rng.normal(size=(rows, 10)).astype(np.float32)
  scores = mlp.scores(x)
  columns = {n: x[:, i] for i, n in enumerate(FEATURES)}
  columns["label"] = (rng.random(rows) < scores).astype(np.int64)
  columns[paths["slice"]] = np.array(["v%d" % v for v in rng.integers(0, slice_values, rows)])
  columns["score"] = scores
  table = pa.table(columns)
  for key in ("parquet", "tfrecords"):
    os.makedirs(os.path.dirname(paths[key]), exist_ok=True)
  pq.write_table(table, paths["parquet"], row_group_size=65536)
  examples = table.drop_columns(["score"])
  with tf.io.TFRecordWriter(paths["tfrecords"] + ".tmp") as writer:
    for batch in examples.to_batches(65536):
      for record in ext.data.encode_examples(batch.schema.names, list(batch.columns),
                                             batch.num_rows):
        writer.write(record)
  os.rename(paths["tfrecords"] + ".tmp", paths["tfrecords"])
  return paths


def _metrics(result):
  return {s.name: {k.name: v for k, v in s.metrics.items()} for s in result.slices}


def measure(mode, paths):
  """One measurement of ours in this (fresh) process, from after the imports (TFMA's side
  starts its clock after importing TFMA, which imports TensorFlow)."""
  import tensorflow  # pylint: disable=import-outside-toplevel,unused-import
  import tfx_core.evaluation as tfma  # pylint: disable=import-outside-toplevel
  from tfx_core import tfxio  # pylint: disable=import-outside-toplevel
  from tfx_core.evaluation._inference import SavedModelPredictor  # pylint: disable=import-outside-toplevel
  start = time.perf_counter()
  if mode == "inference":
    predict = SavedModelPredictor(paths["model"])
    options = tfxio.RecordBatchesOptions(batch_size=tfma.DEFAULT_BATCH_SIZE, shuffle=False,
                                         num_epochs=1)
    rows = sum(len(predict(b)) for b in tfxio.record_batches(paths["parquet"], options))
    return {"seconds": time.perf_counter() - start, "rows": rows, "peak_mb": peak_mb()}
  models = {} if mode == "metrics_only" else {"": paths["model"]}
  result = tfma.evaluate_examples(
      _config(paths["slice"], approximate=mode == "approximate",
              prediction_key="score" if mode == "metrics_only" else ""),
      paths["parquet"], models)
  return {"seconds": time.perf_counter() - start, "peak_mb": peak_mb(),
          "metrics": _metrics(result)}


def _ours(mode, paths):
  return run_json([sys.executable, os.path.abspath(__file__), "--mode=" + mode,
                   json.dumps(paths)], pythonpath=os.pathsep.join(sys.path))


def _tfma(venv, paths):
  from google.protobuf import json_format  # pylint: disable=import-outside-toplevel
  config = json_format.MessageToJson(_config(paths["slice"]), indent=None)
  return run_json([os.path.join(venv, "bin", "python"), os.path.join(_HERE, "tfma_side.py"),
                   "--model=" + paths["model"], "--tfrecords=" + paths["tfrecords"],
                   "--eval_config=" + config])


def _check(ours, approximate, tfma, rows):
  """Fails unless counts and accuracy are equal and the AUCs agree as the issue says."""
  problems = []
  for name, theirs in tfma["metrics"].items():
    mine, approx = ours["metrics"].get(name), approximate["metrics"].get(name)
    if mine is None:
      problems.append("slice %s: missing in ours" % name)
      continue
    if mine["example_count"] != theirs["example_count"]:
      problems.append("%s: example_count %s vs TFMA's %s" % (name, mine["example_count"],
                                                             theirs["example_count"]))
    if abs(mine["binary_accuracy"] - theirs["binary_accuracy"]) > 1e-6:
      problems.append("%s: binary_accuracy %r vs TFMA's %r" % (name, mine["binary_accuracy"],
                                                               theirs["binary_accuracy"]))
    if abs(mine["auc"] - theirs["auc"]) > 1e-3:
      problems.append("%s: exact AUC %r vs TFMA's %r" % (name, mine["auc"], theirs["auc"]))
    if abs(approx["auc"] - theirs["auc"]) > 1e-9:
      problems.append("%s: TFMA-approximated AUC %r vs TFMA's %r" % (name, approx["auc"],
                                                                      theirs["auc"]))
  if len(tfma["metrics"]) != len(ours["metrics"]):
    problems.append("slices: ours %s, TFMA's %s" % (sorted(ours["metrics"]),
                                                    sorted(tfma["metrics"])))
  if ours["metrics"]["Overall"]["example_count"] != rows:
    problems.append("Overall counts %s rows, not %d" % (
        ours["metrics"]["Overall"]["example_count"], rows))
  if problems:
    raise SystemExit("results disagree:\n  " + "\n  ".join(problems))
  worst = max(abs(ours["metrics"][n]["auc"] - t["auc"]) for n, t in tfma["metrics"].items())
  return worst


def main(argv):
  if _MODE.value:
    print(json.dumps(measure(_MODE.value, json.loads(argv[1]))))
    return
  workdir = _WORKDIR.value or os.path.join(workspace(), ".bench", "evaluator")
  venv = _TFMA_VENV.value or os.path.join(workspace(), ".bench", "tfma_venv")
  os.makedirs(workdir, exist_ok=True)
  subprocess.run(["bash", os.path.join(_HERE, "tfma_venv.sh"), venv], check=True)
  rows = _ROWS.value
  anchor = _prepare(workdir, rows, 10, "anchor")
  issue = _prepare(workdir, ISSUE_108_ROWS, ISSUE_108_VALUES, "issue108")
  print("measuring %d rows: tfx_core (end to end, approximate AUC, metrics only, inference), "
        "then TFMA ..." % rows, flush=True)
  ours = _ours("full", anchor)
  approximate = _ours("approximate", anchor)
  metrics_only = _ours("metrics_only", anchor)
  inference = _ours("inference", anchor)
  theirs = _tfma(venv, anchor)
  worst_auc = _check(ours, approximate, theirs, rows)
  print("measuring tensorflow/model-analysis#108's workload (%d rows, a %d-value slice) ..." % (
      ISSUE_108_ROWS, ISSUE_108_VALUES), flush=True)
  ours_108, theirs_108 = _ours("full", issue), _tfma(venv, issue)
  _check(ours_108, _ours("approximate", issue), theirs_108, ISSUE_108_ROWS)

  rate = lambda r, n: n / r["seconds"]  # noqa: E731
  print("\n$ evaluator_bench %s\n%d rows, a 10-input MLP (serving_default parses tf.Example), "
        "ExampleCount + AUC + BinaryAccuracy, overall + 10 slices; TFMA %s, DirectRunner "
        "(%s cores)\n" % (" ".join(sys.argv[1:]), rows, theirs["tfma_version"], os.cpu_count()))
  print("| evaluation | seconds | rows/s | peak RSS (MiB) | speed-up |")
  print("|---|---:|---:|---:|---:|")
  for label, r, n in (
      ("tfx_core Evaluator, end to end", ours, rows),
      ("TFMA run_model_analysis, end to end", theirs, rows),
      ("tfx_core, metrics only (predictions column)", metrics_only, rows),
      ("tfx_core, inference only", inference, rows),
      ("#108: tfx_core, %d rows, %d-value slice" % (ISSUE_108_ROWS, ISSUE_108_VALUES), ours_108,
       ISSUE_108_ROWS),
      ("#108: TFMA", theirs_108, ISSUE_108_ROWS)):
    speedup = ""
    if r is ours:
      speedup = "%.1fx" % (theirs["seconds"] / ours["seconds"])
    elif r is ours_108:
      speedup = "%.1fx" % (theirs_108["seconds"] / ours_108["seconds"])
    print("| %s | %.2f | %s | %.0f | %s |" % (label, r["seconds"], "{:,.0f}".format(
        rate(r, n)), r["peak_mb"], speedup))
  print("\nagreement: example counts and binary accuracy equal on all %d slices; exact AUC "
        "within %.2g of TFMA's; with num_thresholds=10000, equal to TFMA's" % (
            len(theirs["metrics"]), worst_auc))
  figures = {"evaluator_vs_tfma": rate(ours, rows) / rate(theirs, rows),
             "metrics_only_rows_per_s": rate(metrics_only, rows),
             "peak_rss_ratio_vs_tfma": ours["peak_mb"] / theirs["peak_mb"]}
  print("\nevaluator_vs_tfma (target >= 100): %.1f; peak_rss_ratio_vs_tfma (target <= 1): %.2f"
        % (figures["evaluator_vs_tfma"], figures["peak_rss_ratio_vs_tfma"]))
  write_figures(_JSON_OUT.value, figures)


if __name__ == "__main__":
  app.run(main)
