"""The TensorFlow Transform side of transform_bench; runs in the TFT venv (tft_venv.sh).

    python tft_transform.py --parquet=DATA.parquet --workdir=DIR --mode=analyze_transform
    python tft_transform.py --parquet=DATA.parquet --workdir=DIR --mode=latency

Input: the Parquet file of stats_bench.generate(). TFT reads it as Arrow record batches
(tfx_bsl TensorAdapterConfig, one TensorRepresentation per feature); every column must be a
list column there, so each row group is converted to:
  f0, f1    list<float32>, one value per row, a null row -> an empty list;
            varlen_sparse_tensor -> tf.SparseTensor(float32), dense_shape [n, 1] (at most);
            the same as tf.io.VarLenFeature(tf.float32).
  f2..f9    list<float32>, exactly one value per row; dense_tensor with shape [] ->
            tf.Tensor(float32) of shape [n]; the same as tf.io.FixedLenFeature([], tf.float32).
  s0..s4    list<string>, one value per row; dense_tensor -> tf.Tensor(string) of shape [n];
            the same as tf.io.FixedLenFeature([], tf.string).
  i0..i4    not read (the preprocessing does not use them).
The float64 values are cast to float32 (round to nearest) before TFT sees them, so the other
side must compute on float32(value) too.

Modes:
  analyze_transform  AnalyzeAndTransformDataset(output_record_batches=True) in one Beam
    pipeline (DirectRunner, default options) that reads the Parquet file and writes
    WORKDIR/transformed/*.parquet and WORKDIR/transform_fn (WriteTransformFn). Times the whole
    pipeline (construction to finish), then the same pipeline on the first 1,000 rows in a
    fresh process (TFT's fixed cost). Prints {"rows", "seconds", "peak_mb", "fixed_seconds",
    "tft_version"}; peak_mb is the larger ru_maxrss of this process and of its children (the
    DirectRunner runs in-process; importing TensorFlow forks a short-lived helper whose
    ru_maxrss, ~500 MB, is pages shared with this process, so the two are not added).
  latency  Loads WORKDIR/transform_fn and times tf.function(transform_features_layer()) on
    batches of 1 and 1,024 raw rows from the Parquet file: the median of 200 calls after 20
    warm-up calls. Prints {"latency_ms_1", "latency_ms_1024"}.
  analyzers  Prints the analyzer results baked into WORKDIR/transform_fn: {"f0": [mean, var],
    ..., "f2_boundaries": [...], "f3_boundaries": [...], "vocabularies": {"s0": path, ...}}.
    TFT 1.21 (TF2 tracing) saves them as float32 constants captured by the serving signature,
    in preprocessing_fn's call order; bucketize assigns a value x the bucket
    #{boundaries <= x} (tf.searchsorted side='right'). The vocabulary files are
    transform_fn/assets/s0..s4, one token a line, the line number being the id.
"""

import argparse
import json
import os
import subprocess
import sys
import time
import uuid

from bench_util import median_call_ms, peak_mb  # Beside this file; stdlib only.

FLOATS = ["f%d" % i for i in range(10)]
SPARSE = ("f0", "f1")  # The float columns with nulls.
STRINGS = ["s%d" % i for i in range(5)]


def preprocessing_fn_for(tft):
  """The benchmark's preprocessing_fn over `tft`: tensorflow_transform, or tfx_core.transform
  (transform_bench runs this same code with that module)."""
  def preprocessing_fn(inputs):
    out = {}
    for i in range(10):
      out["f%d_z" % i] = tft.scale_to_z_score(inputs["f%d" % i])
    for name in ("f2", "f3"):
      out[name + "_bucket"] = tft.bucketize(inputs[name], num_buckets=10)
    for i in range(5):
      out["s%d_id" % i] = tft.compute_and_apply_vocabulary(inputs["s%d" % i],
                                                            vocab_filename="s%d" % i)
    return out
  return preprocessing_fn


def preprocessing_fn(inputs):
  import tensorflow_transform as tft  # pylint: disable=import-outside-toplevel
  return preprocessing_fn_for(tft)(inputs)


def to_tft_batch(table):
  """A Parquet row group (pyarrow.Table) as the record batch TFT's TensorAdapter expects."""
  import numpy as np  # pylint: disable=import-outside-toplevel
  import pyarrow as pa  # pylint: disable=import-outside-toplevel
  import pyarrow.compute as pc  # pylint: disable=import-outside-toplevel
  rows = table.num_rows
  one_each = pa.array(np.arange(rows + 1, dtype=np.int32))
  arrays = []
  for name in FLOATS + STRINGS:
    column = table[name].combine_chunks()
    if name in FLOATS:
      column = pc.cast(column, pa.float32(), safe=False)
    if name in SPARSE:
      valid = column.is_valid()
      offsets = np.concatenate([[0], np.cumsum(valid.to_numpy(zero_copy_only=False))])
      arrays.append(pa.ListArray.from_arrays(pa.array(offsets.astype(np.int32)),
                                             column.filter(valid)))
    else:
      arrays.append(pa.ListArray.from_arrays(one_each, column))
  return pa.RecordBatch.from_arrays(arrays, FLOATS + STRINGS)


def tensor_adapter_config():
  """The TensorAdapterConfig matching to_tft_batch's record batches."""
  import pyarrow as pa  # pylint: disable=import-outside-toplevel
  from tensorflow_metadata.proto.v0 import schema_pb2  # pylint: disable=import-outside-toplevel
  from tfx_bsl.tfxio import tensor_adapter  # pylint: disable=import-outside-toplevel
  schema = pa.schema([(name, pa.list_(pa.float32() if name in FLOATS else pa.string()))
                      for name in FLOATS + STRINGS])
  representations = {}
  for name in FLOATS + STRINGS:
    if name in SPARSE:
      representations[name] = schema_pb2.TensorRepresentation(
          varlen_sparse_tensor=schema_pb2.TensorRepresentation.VarLenSparseTensor(
              column_name=name))
    else:
      representations[name] = schema_pb2.TensorRepresentation(
          dense_tensor=schema_pb2.TensorRepresentation.DenseTensor(
              column_name=name, shape=schema_pb2.FixedShape()))
  return tensor_adapter.TensorAdapterConfig(schema, representations)


class _WriteParquet:  # A beam.DoFn (made one in _pipeline, after Beam is imported).
  """Writes each bundle's transformed record batches to one Parquet file in a directory."""

  def __init__(self, directory):
    self._directory = directory
    self._writer = None

  def process(self, batch_and_passthrough):
    import pyarrow.parquet as pq  # pylint: disable=import-outside-toplevel
    batch, _ = batch_and_passthrough
    if self._writer is None:
      path = os.path.join(self._directory, "part-%s.parquet" % uuid.uuid4().hex)
      self._writer = pq.ParquetWriter(path, batch.schema)
    self._writer.write_batch(batch)

  def finish_bundle(self):
    if self._writer is not None:
      self._writer.close()
      self._writer = None


def _pipeline(parquet, workdir):
  """Runs AnalyzeAndTransformDataset over the Parquet file; returns its wall seconds."""
  import apache_beam as beam  # pylint: disable=import-outside-toplevel
  import tensorflow_transform.beam as tft_beam  # pylint: disable=import-outside-toplevel
  write_fn = type("WriteParquet", (_WriteParquet, beam.DoFn), {})
  transformed_dir = os.path.join(workdir, "transformed")
  os.makedirs(transformed_dir, exist_ok=True)
  for name in os.listdir(transformed_dir):
    os.remove(os.path.join(transformed_dir, name))
  start = time.perf_counter()
  with beam.Pipeline() as p, tft_beam.Context(temp_dir=os.path.join(workdir, "tmp")):
    batches = (p | "Read" >> beam.io.ReadFromParquetBatched(parquet, columns=FLOATS + STRINGS)
               | "ToTFT" >> beam.Map(to_tft_batch))
    transformed, transform_fn = (
        (batches, tensor_adapter_config())
        | tft_beam.AnalyzeAndTransformDataset(preprocessing_fn, output_record_batches=True))
    transformed_batches, _ = transformed
    _ = transformed_batches | "Write" >> beam.ParDo(write_fn(transformed_dir))
    _ = transform_fn | tft_beam.WriteTransformFn(os.path.join(workdir, "transform_fn"))
  return time.perf_counter() - start


def analyze_transform(parquet, workdir, fixed_rows):
  import pyarrow.parquet as pq  # pylint: disable=import-outside-toplevel
  import tensorflow_transform as tft  # pylint: disable=import-outside-toplevel
  rows = pq.ParquetFile(parquet).metadata.num_rows
  seconds = _pipeline(parquet, workdir)
  result = {"rows": rows, "seconds": seconds, "peak_mb": peak_mb(include_children=True),
            "tft_version": tft.__version__}
  if fixed_rows:
    # The same pipeline on the file's first rows, in a fresh process.
    fixed_dir = os.path.join(workdir, "fixed")
    os.makedirs(fixed_dir, exist_ok=True)
    head = os.path.join(fixed_dir, "head.parquet")
    pq.write_table(pq.ParquetFile(parquet).read_row_group(0).slice(0, fixed_rows), head)
    done = subprocess.run([sys.executable, os.path.abspath(__file__), "--parquet=" + head,
                           "--workdir=" + fixed_dir, "--mode=analyze_transform",
                           "--fixed_rows=0"], check=True, capture_output=True, text=True)
    result["fixed_seconds"] = json.loads(done.stdout.strip().splitlines()[-1])["seconds"]
  return result


def raw_features(parquet, rows):
  """The first `rows` rows of the Parquet file as the layer's raw input tensors."""
  import numpy as np  # pylint: disable=import-outside-toplevel
  import pyarrow.parquet as pq  # pylint: disable=import-outside-toplevel
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  table = pq.ParquetFile(parquet).read_row_group(0, columns=FLOATS + STRINGS).slice(0, rows)
  features = {}
  for name in FLOATS:
    column = table[name].combine_chunks()
    values = column.fill_null(0).to_numpy().astype(np.float32)
    if name in SPARSE:
      valid = column.is_valid().to_numpy(zero_copy_only=False)
      index = np.flatnonzero(valid)
      features[name] = tf.SparseTensor(np.stack([index, np.zeros_like(index)], 1),
                                       values[valid], [rows, 1])
    else:
      features[name] = tf.constant(values)
  for name in STRINGS:
    features[name] = tf.constant(table[name].to_pylist())
  return features


def latency(parquet, workdir):
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  import tensorflow_transform as tft  # pylint: disable=import-outside-toplevel
  layer = tft.TFTransformOutput(os.path.join(workdir, "transform_fn")).transform_features_layer()
  call = tf.function(lambda feats: layer(feats))  # pylint: disable=unnecessary-lambda
  return {"latency_ms_%d" % rows: median_call_ms(call, raw_features(parquet, rows))
          for rows in (1, 1024)}


def analyzers(workdir):
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  import tensorflow_transform as tft  # pylint: disable=import-outside-toplevel
  output = tft.TFTransformOutput(os.path.join(workdir, "transform_fn"))
  signature = tf.saved_model.load(output.transform_savedmodel_dir).signatures["serving_default"]
  values = [c.numpy() for c in signature.captured_inputs if c.dtype == tf.float32]
  result = {name: [float(values[2 * i]), float(values[2 * i + 1])]
            for i, name in enumerate(FLOATS)}
  result["f2_boundaries"] = values[20].ravel().tolist()
  result["f3_boundaries"] = values[21].ravel().tolist()
  result["vocabularies"] = {name: output.vocabulary_file_by_name(name) for name in STRINGS}
  return result


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--parquet", help="Input, from stats_bench.generate() (not for analyzers).")
  parser.add_argument("--workdir", required=True, help="Outputs (transformed/, transform_fn/).")
  parser.add_argument("--mode", required=True, choices=["analyze_transform", "latency", "analyzers"])
  parser.add_argument("--fixed_rows", type=int, default=1000,
                      help="Rows of the fixed-cost run (0: none).")
  args = parser.parse_args()
  if args.mode != "analyzers" and not args.parquet:
    parser.error("--parquet is required for --mode=" + args.mode)
  os.makedirs(args.workdir, exist_ok=True)
  if args.mode == "analyze_transform":
    result = analyze_transform(args.parquet, args.workdir, args.fixed_rows)
  elif args.mode == "latency":
    result = latency(args.parquet, args.workdir)
  else:
    result = analyzers(args.workdir)
  print(json.dumps(result))


if __name__ == "__main__":
  main()
