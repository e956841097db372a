"""BulkInferrer's executor.

inference_result: per split, Parquet shards (`Split-<name>/data-NNNNN-of-NNNNN.parquet`, one
per input shard) holding the input's columns and one column per signature output, named
`<output>` (a list column when the output has a second dimension); with output_example_spec,
the same rows go to output_examples instead, with its columns named as the spec says
(PredictOutputCol output_key -> output_column, or a classify/regress output's columns). With
inference_result_format="prediction_log", inference_result is TFX's layout instead:
`prediction_logs-NNNNN-of-NNNNN.gz`, GZIP TFRecords of tensorflow.serving.PredictionLog (one
per example, encoded in C++), one file per input shard of every split.
Batches run concurrently (TensorFlow releases the GIL), results are written in input order.
"""

import collections
import concurrent.futures
import logging
import os

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from tfx_core._native import ext
from tfx_core.dsl import BaseExecutor
from tfx_core.evaluation._inference import SavedModelPredictor

log = logging.getLogger("tfx_core.components.BulkInferrer")

DEFAULT_BATCH_SIZE = 4096
PARQUET, PREDICTION_LOG = "parquet", "prediction_log"  # inference_result_format values.
PREDICTION_LOGS_FILE = "prediction_logs-%05d-of-%05d.gz"  # TFX's name, with shard numbers.


def _column(values):
  """A numpy output as an Arrow column: flat, or one list per row."""
  values = np.asarray(values)
  if values.dtype == object:
    values = values.astype(bytes)
  if values.ndim == 1:
    return pa.array(values)
  width = int(np.prod(values.shape[1:]))
  return pa.FixedSizeListArray.from_arrays(pa.array(values.reshape(-1)), width)


def _output_columns(spec, output_names):
  """{signature output: column name} from output_example_spec (all outputs, as themselves,
  without one)."""
  if spec is None:
    return {name: name for name in output_names}
  if len(spec.output_columns_spec) != 1:
    raise ValueError("BulkInferrer: output_example_spec needs exactly one output_columns_spec "
                     "(one signature), got %d" % len(spec.output_columns_spec))
  columns = spec.output_columns_spec[0]
  kind = columns.WhichOneof("output_type")
  if kind == "predict_output":
    mapping = {c.output_key: c.output_column for c in columns.predict_output.output_columns}
  elif kind == "classify_output":
    mapping = {"classes": columns.classify_output.label_column,
               "scores": columns.classify_output.score_column}
  elif kind == "regress_output":
    mapping = {"outputs": columns.regress_output.value_column}
  else:
    raise ValueError("BulkInferrer: output_columns_spec has no output type")
  mapping = {k: v for k, v in mapping.items() if v}
  missing = sorted(set(mapping) - set(output_names))
  if missing:
    raise ValueError("BulkInferrer: output_example_spec names outputs %s, which the signature "
                     "does not have (it has %s)" % (", ".join(missing), ", ".join(output_names)))
  return mapping


class BulkInferrerExecutor(BaseExecutor):

  def Do(self, input_dict, output_dict, exec_properties):
    examples = input_dict["examples"][0]
    model = input_dict["model"][0]
    result = output_dict["inference_result"][0]
    output_examples = output_dict["output_examples"][0]
    result.split_names, output_examples.split_names = [], []
    blessing = (input_dict.get("model_blessing") or [None])[0]
    if blessing is not None and not blessing.get("blessed"):
      result.set("inferred", 0)
      log.info("model %s is not blessed: no inference", model.id)
      return
    model_spec = exec_properties.get("model_spec")
    signatures = list(model_spec.model_signature_name) if model_spec else []
    if len(signatures) > 1:
      raise NotImplementedError("BulkInferrer: one model_signature_name at a time is supported "
                                "by tfx_core (got %s)" % ", ".join(signatures))
    if model_spec is not None and list(model_spec.tag) not in ([], ["serve"]):
      raise ValueError("BulkInferrer: model_spec.tag must be 'serve', got %s" %
                       list(model_spec.tag))
    data_spec = exec_properties.get("data_spec")
    splits = list(data_spec.example_splits) if data_spec and data_spec.example_splits else \
        examples.split_names
    unknown = sorted(set(splits) - set(examples.split_names))
    if unknown:
      raise ValueError("BulkInferrer: data_spec.example_splits %s are not splits of the "
                       "examples (they have %s)" % (", ".join(unknown),
                                                    ", ".join(examples.split_names)))
    predictor = SavedModelPredictor(model.serving_model_dir, signatures[0] if signatures else "",
                                    label="BulkInferrer", all_outputs=True)
    spec = exec_properties.get("output_example_spec")
    layout = exec_properties.get("inference_result_format") or PARQUET
    if layout not in (PARQUET, PREDICTION_LOG):
      raise ValueError("BulkInferrer: inference_result_format must be %r or %r, got %r" % (
          PARQUET, PREDICTION_LOG, layout))
    if layout == PREDICTION_LOG and spec is not None:
      raise ValueError("BulkInferrer: output_example_spec writes output_examples, so "
                       "inference_result_format=%r has nothing to apply to" % PREDICTION_LOG)
    write = _PredictionLogWriter(model.serving_model_dir, predictor, result) \
        if layout == PREDICTION_LOG else None
    columns = _output_columns(spec, predictor.output_names)
    target = output_examples if spec is not None else result
    batch_size = exec_properties.get("batch_size") or DEFAULT_BATCH_SIZE
    shards = [(split, name) for split in splits
              for name in sorted(f for f in os.listdir(examples.split_uri(split))
                                 if f.endswith(".parquet"))]
    workers = max(1, os.cpu_count() or 1)
    rows = 0
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
      for index, (split, name) in enumerate(shards):
        self.context.raise_if_cancelled()
        batches = pq.ParquetFile(os.path.join(examples.split_uri(split), name)).iter_batches(
            batch_size=batch_size)
        results = _infer_in_order(pool, 2 * workers, predictor, batches)
        if write is not None:
          rows += write(results, PREDICTION_LOGS_FILE % (index, len(shards)))
        else:
          os.makedirs(target.split_uri(split), exist_ok=True)
          rows += _write_shard(results, columns, os.path.join(target.split_uri(split), name))
    target.split_names = splits if write is None else []
    target.set("inferred", 1)
    target.set("rows", rows)
    log.info("inferred %d rows of %s with signature %s", rows, ", ".join(splits),
             predictor.signature_name)


def _infer_in_order(pool, in_flight, predictor, batches):
  """(batch, outputs) in input order, with at most `in_flight` batches running at once."""
  pending = collections.deque()
  for batch in batches:
    pending.append((batch, pool.submit(predictor.outputs, batch)))
    if len(pending) > in_flight:
      done, future = pending.popleft()
      yield done, future.result()
  while pending:
    done, future = pending.popleft()
    yield done, future.result()


def _method_name(model_dir, signature_name):
  """The signature's method_name, from the SavedModel's serving meta graph."""
  from tensorflow.core.protobuf import saved_model_pb2  # pylint: disable=import-outside-toplevel
  saved = saved_model_pb2.SavedModel()
  with open(os.path.join(model_dir, "saved_model.pb"), "rb") as f:
    saved.ParseFromString(f.read())
  for graph in saved.meta_graphs:
    if "serve" in graph.meta_info_def.tags:
      return graph.signature_def[signature_name].method_name
  raise ValueError("BulkInferrer: %s has no 'serve' meta graph" % model_dir)


class _PredictionLogWriter:
  """Writes a shard's results as GZIP TFRecords of PredictionLog, encoded in C++ per batch."""

  def __init__(self, model_dir, predictor, result):
    if not predictor.takes_examples:
      raise ValueError("BulkInferrer: inference_result_format=%r needs a signature taking "
                       "serialized tf.Examples (as TFX's BulkInferrer does); %r takes %s" % (
                           PREDICTION_LOG, predictor.signature_name,
                           ", ".join(predictor.input_names)))
    self._method = _method_name(model_dir, predictor.signature_name)
    self._predictor = predictor
    self._dir = result.uri

  def _logs(self, batch, outputs):
    examples = ext.data.encode_examples(batch.schema.names, list(batch.columns), batch.num_rows)
    (alias,) = self._predictor.input_names
    return ext.data.encode_prediction_logs(self._method, "", self._predictor.signature_name,
                                           alias, examples, outputs)

  def __call__(self, results, name):
    import tensorflow as tf  # pylint: disable=import-outside-toplevel
    rows, failure = [0], []

    def records():
      try:
        for batch, outputs in results:
          logs = self._logs(batch, outputs)
          rows[0] += len(logs)
          yield logs
      except Exception as e:  # Re-raised below as itself, not as TensorFlow's wrapper.
        failure.append(e)
        raise

    os.makedirs(self._dir, exist_ok=True)
    dataset = tf.data.Dataset.from_generator(
        records, output_signature=tf.TensorSpec([None], tf.string)).unbatch()
    try:
      tf.data.experimental.TFRecordWriter(os.path.join(self._dir, name), "GZIP").write(dataset)
    except tf.errors.OpError:
      if failure:
        raise failure[0] from None
      raise
    return rows[0]


def _write_shard(results, columns, path):
  """Each batch with its output columns, to one Parquet file; returns the rows written."""
  writer, rows = None, 0
  try:
    for batch, outputs in results:
      table = pa.Table.from_batches([batch])
      for name, column in columns.items():
        if column in table.column_names:
          raise ValueError("BulkInferrer: output column %r would overwrite an input column of "
                           "the examples; name it otherwise" % column)
        table = table.append_column(column, _column(outputs[name]))
      if writer is None:
        writer = pq.ParquetWriter(path, table.schema)
      writer.write_table(table)
      rows += table.num_rows
  finally:
    if writer is not None:
      writer.close()
  return rows
