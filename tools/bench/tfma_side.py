"""TFMA's side of evaluator_bench, run in the TFMA venv (tools/bench/tfma_venv.sh):
tfma.run_model_analysis of a SavedModel over TFRecords of tf.Example, with an EvalConfig given
as JSON (our EvalConfig's JSON is TFMA's: the same field names). Prints one JSON line: seconds,
peak RSS and the metrics per slice."""

import argparse
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_util import peak_mb  # noqa: E402  pylint: disable=wrong-import-position


def main():
  parser = argparse.ArgumentParser()
  parser.add_argument("--model", required=True)
  parser.add_argument("--tfrecords", required=True)
  parser.add_argument("--eval_config", required=True, help="EvalConfig as JSON")
  args = parser.parse_args()
  from google.protobuf import json_format  # pylint: disable=import-outside-toplevel
  import tensorflow_model_analysis as tfma  # pylint: disable=import-outside-toplevel
  # TFMA 0.52 lists EvalConfig in __all__ but no longer defines it at the top level.
  from tensorflow_model_analysis.proto import config_pb2  # pylint: disable=import-outside-toplevel
  config = json_format.Parse(args.eval_config, config_pb2.EvalConfig())
  start = time.perf_counter()
  shared = tfma.default_eval_shared_model(eval_saved_model_path=args.model, eval_config=config)
  with tempfile.TemporaryDirectory() as out:
    result = tfma.run_model_analysis(eval_shared_model=shared, eval_config=config,
                                     data_location=args.tfrecords, file_format="tfrecords",
                                     output_path=out)
  seconds = time.perf_counter() - start
  metrics = {}
  for slice_key, by_output in result.slicing_metrics:
    name = tfma.slicer.stringify_slice_key(slice_key)
    values = by_output.get("", {}).get("", {})
    metrics[name] = {k: v.get("doubleValue") for k, v in values.items() if "doubleValue" in v}
  print(json.dumps({"seconds": seconds, "peak_mb": peak_mb(), "metrics": metrics,
                    "tfma_version": tfma.__version__}))


if __name__ == "__main__":
  main()
