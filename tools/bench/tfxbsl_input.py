"""The tfx_bsl side of trainer_bench; runs in the tfx_bsl venv (tfxbsl_venv.sh).

    python tfxbsl_input.py --mode=write_tfrecord --parquet_dir=DIR --schema=SCHEMA --out=DIR
    python tfxbsl_input.py --mode=read --tfrecord_dir=DIR --schema=SCHEMA --label_key=NAME

Modes:
  write_tfrecord  Encodes the transformed Parquet examples (every file in --parquet_dir) as
    tf.Examples with tfx_bsl's RecordBatchToExamplesEncoder and writes them to --out as
    gzipped TFRecord shards (data_tfrecord-0000i-of-0000n.gz, one per Parquet row group, as
    TFX's ExampleGen names them). Prints {"examples"}.
  read  TFX's DataAccessor path: TFExampleRecord(file_pattern, schema).TensorFlowDataset with
    TensorFlowDatasetOptions(batch_size, label_key, num_epochs=1, shuffle, shuffle_seed),
    consumed by bench_util.examples_per_s. Prints {"examples_per_s", "peak_mb",
    "tfx_bsl_version"}.
"""

import argparse
import glob
import json
import os

from bench_util import examples_per_s, peak_mb  # Beside this file; stdlib only at import.


def _schema(path):
  from google.protobuf import text_format  # pylint: disable=import-outside-toplevel
  from tensorflow_metadata.proto.v0 import schema_pb2  # pylint: disable=import-outside-toplevel
  with open(path) as f:
    return text_format.Parse(f.read(), schema_pb2.Schema())


def _as_lists(batch):
  """A record batch whose every column is a list column, as tf.Example features are."""
  import numpy as np  # pylint: disable=import-outside-toplevel
  import pyarrow as pa  # pylint: disable=import-outside-toplevel
  one_each = pa.array(np.arange(batch.num_rows + 1, dtype=np.int32))
  arrays = [column if pa.types.is_list(column.type) else
            pa.ListArray.from_arrays(one_each, column) for column in batch.columns]
  return pa.RecordBatch.from_arrays(arrays, batch.schema.names)


def write_tfrecord(parquet_dir, schema_path, out):
  import pyarrow.parquet as pq  # pylint: disable=import-outside-toplevel
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  from tfx_bsl.public import tfxio  # pylint: disable=import-outside-toplevel
  encoder = tfxio.RecordBatchToExamplesEncoder(_schema(schema_path))
  groups = [(path, i) for path in sorted(glob.glob(os.path.join(parquet_dir, "*.parquet")))
            for i in range(pq.ParquetFile(path).metadata.num_row_groups)]
  os.makedirs(out, exist_ok=True)
  examples = 0
  for shard, (path, group) in enumerate(groups):
    table = pq.ParquetFile(path).read_row_group(group)
    name = os.path.join(out, "data_tfrecord-%05d-of-%05d.gz" % (shard, len(groups)))
    with tf.io.TFRecordWriter(name, options="GZIP") as writer:
      for batch in table.to_batches(max_chunksize=65536):
        for record in encoder.encode(_as_lists(batch)):
          writer.write(record)
          examples += 1
  return {"examples": examples}


def read(tfrecord_dir, schema_path, label_key, batch_size, shuffle, repeats):
  import tfx_bsl  # pylint: disable=import-outside-toplevel
  from tfx_bsl.public import tfxio  # pylint: disable=import-outside-toplevel
  schema = _schema(schema_path)
  options = tfxio.TensorFlowDatasetOptions(batch_size=batch_size, label_key=label_key,
                                           num_epochs=1, shuffle=shuffle, shuffle_seed=1)
  pattern = os.path.join(tfrecord_dir, "*.gz")

  def make_dataset():
    return tfxio.TFExampleRecord(pattern, schema=schema, telemetry_descriptors=[
        "trainer_bench"]).TensorFlowDataset(options)
  return {"examples_per_s": examples_per_s(make_dataset, repeats), "peak_mb": peak_mb(),
          "tfx_bsl_version": tfx_bsl.__version__}


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--mode", required=True, choices=["write_tfrecord", "read"])
  parser.add_argument("--schema", required=True, help="The transformed schema (pbtxt).")
  parser.add_argument("--parquet_dir", help="write_tfrecord: the transformed Parquet examples.")
  parser.add_argument("--out", help="write_tfrecord: the TFRecord folder to write.")
  parser.add_argument("--tfrecord_dir", help="read: the TFRecord folder.")
  parser.add_argument("--label_key", help="read: the label feature.")
  parser.add_argument("--batch_size", type=int, default=1024)
  parser.add_argument("--shuffle", type=int, default=0, help="read: 1 to shuffle.")
  parser.add_argument("--repeats", type=int, default=3, help="read: timed passes.")
  args = parser.parse_args()
  if args.mode == "write_tfrecord":
    result = write_tfrecord(args.parquet_dir, args.schema, args.out)
  else:
    result = read(args.tfrecord_dir, args.schema, args.label_key, args.batch_size,
                  bool(args.shuffle), args.repeats)
  print(json.dumps(result))


if __name__ == "__main__":
  main()
