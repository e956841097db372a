"""BulkInferrer's executor.

inference_result: per split, Parquet shards (`Split-<name>/data-NNNNN-of-NNNNN.parquet`, one
per input shard) holding the input's columns and one column per signature output, named
`<output>` (a list column when the output has a second dimension); with output_example_spec,
the same rows go to output_examples instead, with its columns named as the spec says
(PredictOutputCol output_key -> output_column, or a classify/regress output's columns).
Batches run concurrently (TensorFlow releases the GIL), results are written in input order.
"""

import collections
import concurrent.futures
import logging
import os

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from tfx_core.dsl import BaseExecutor
from tfx_core.evaluation._inference import SavedModelPredictor

log = logging.getLogger("tfx_core.components.BulkInferrer")

DEFAULT_BATCH_SIZE = 4096


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
    columns = _output_columns(spec, predictor.output_names)
    target = output_examples if spec is not None else result
    batch_size = exec_properties.get("batch_size") or DEFAULT_BATCH_SIZE
    rows = 0
    for split in splits:
      rows += self._infer_split(examples, split, predictor, columns, target, batch_size)
    target.split_names = splits
    target.set("inferred", 1)
    target.set("rows", rows)
    log.info("inferred %d rows of %s with signature %s", rows, ", ".join(splits),
             predictor.signature_name)

  def _infer_split(self, examples, split, predictor, columns, target, batch_size):
    source = examples.split_uri(split)
    shards = sorted(f for f in os.listdir(source) if f.endswith(".parquet"))
    out_dir = target.split_uri(split)
    os.makedirs(out_dir, exist_ok=True)
    workers = max(1, os.cpu_count() or 1)
    rows = 0
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
      for shard in shards:
        self.context.raise_if_cancelled()
        batches = pq.ParquetFile(os.path.join(source, shard)).iter_batches(batch_size=batch_size)
        rows += _write_shard(_infer_in_order(pool, 2 * workers, predictor, batches), columns,
                             os.path.join(out_dir, shard))
    return rows


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
