"""The TensorFlow Data Validation side of stats_bench; runs in the TFDV venv (tfdv_venv.sh).

    python tfdv_stats.py write_tfrecord DATA.parquet OUT.tfrecord
    python tfdv_stats.py in_memory DATA.parquet STATS_OUT.pb
    python tfdv_stats.py beam DATA.tfrecord STATS_OUT.pb

Prints one JSON line: {"seconds": timed call, "peak_rss_mb": the process's peak}.
"""

import json
import sys
import time

from bench_util import peak_mb  # Beside this file; stdlib only.


def write_tfrecord(parquet, out):
  import numpy as np
  import pyarrow.parquet as pq
  import tensorflow as tf
  table = pq.read_table(parquet)
  columns = {}
  for name in table.column_names:
    column = table[name].combine_chunks()
    valid = ~column.is_null().to_numpy(zero_copy_only=False)
    if column.type == "string":
      values = [v.encode() if v is not None else None for v in column.to_pylist()]
    else:
      values = column.to_numpy(zero_copy_only=False)
    columns[name] = (values, valid, column.type)
  with tf.io.TFRecordWriter(out) as writer:
    for i in range(table.num_rows):
      feature = {}
      for name, (values, valid, kind) in columns.items():
        if not valid[i]:
          continue
        if kind == "string":
          feature[name] = tf.train.Feature(bytes_list=tf.train.BytesList(value=[values[i]]))
        elif np.issubdtype(values.dtype, np.integer):
          feature[name] = tf.train.Feature(int64_list=tf.train.Int64List(value=[int(values[i])]))
        else:
          feature[name] = tf.train.Feature(float_list=tf.train.FloatList(value=[values[i]]))
      writer.write(tf.train.Example(
          features=tf.train.Features(feature=feature)).SerializeToString())
  return {"rows": table.num_rows}


def in_memory(parquet, out):
  import pyarrow.parquet as pq
  import tensorflow_data_validation as tfdv
  frame = pq.read_table(parquet).to_pandas()
  start = time.perf_counter()
  stats = tfdv.generate_statistics_from_dataframe(frame)
  seconds = time.perf_counter() - start
  with open(out, "wb") as f:
    f.write(stats.SerializeToString())
  return {"seconds": seconds}


def beam(tfrecord, out):
  import tensorflow_data_validation as tfdv
  start = time.perf_counter()
  stats = tfdv.generate_statistics_from_tfrecord(data_location=tfrecord)
  seconds = time.perf_counter() - start
  with open(out, "wb") as f:
    f.write(stats.SerializeToString())
  return {"seconds": seconds}


if __name__ == "__main__":
  mode, source, target = sys.argv[1:4]
  result = {"write_tfrecord": write_tfrecord, "in_memory": in_memory, "beam": beam}[mode](
      source, target)
  result["peak_rss_mb"] = peak_mb()
  print(json.dumps(result))
