"""Model quality over time: the server's logged predictions joined with labels that arrived
later, evaluated per window with the Evaluator's C++ metrics and checked against the
EvalConfig's thresholds (the ones the served model was blessed with)."""

import dataclasses
import datetime
from typing import Dict, List, Optional

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tfx_core.monitoring._export import join_feedback
from tfx_core.monitoring._request_log import RequestLogError
from tfx_core.monitoring._windows import split_windows

PREDICTION = "prediction"
_KEPT = ("request_id", "example_index", "time", "model_version")


@dataclasses.dataclass
class QualityWindow:
  start: Optional[datetime.datetime]
  end: Optional[datetime.datetime]
  rows: int  # Labelled rows.
  model_versions: List[int]
  metrics: Dict[str, float]  # The overall slice's metrics, by TFMA's metric key text.
  failures: List[str]  # The thresholds the window's metrics failed.


def read_predictions(paths, output):
  """The logged `output` of each served example: request_id, example_index, time,
  model_version and `prediction` (a number per row, or a list of them for several classes)."""
  tables = []
  for path in paths:
    try:
      table = pq.read_table(path, columns=list(_KEPT) + ["outputs"])
      outputs = table.column("outputs").combine_chunks()
      if outputs.type.get_field_index(output) < 0:
        raise ValueError("no output %r (it has %s)" % (output, ", ".join(
            outputs.type.field(i).name for i in range(outputs.type.num_fields))))
      values = outputs.field(output)
    except (OSError, KeyError, ValueError, pa.ArrowException) as e:
      raise RequestLogError(path, str(e).splitlines()[0]) from None
    lengths = pc.list_value_length(values)
    if len(values) and pc.max(lengths).as_py() == 1 and pc.min(lengths).as_py() == 1:
      values = pc.list_element(values, 0)
    tables.append(table.drop_columns(["outputs"]).append_column(PREDICTION, values))
  return pa.concat_tables(tables) if tables else pa.table({k: [] for k in _KEPT + (PREDICTION,)})


def _prediction_array(column):
  column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
  if pa.types.is_list(column.type):
    flat = pc.list_flatten(column).to_numpy(zero_copy_only=False)
    return flat.reshape(len(column), -1).astype(np.float64)
  return column.to_numpy(zero_copy_only=False).astype(np.float64)


def model_quality(predictions, feedback, eval_config, seconds=None, rows=None):
  """QualityWindows of the logged predictions that have labels in `feedback` (see
  export_span; it holds the EvalConfig's label_key, and any slicing columns), by time or by
  labelled rows, each evaluated as the Evaluator evaluates the candidate model."""
  import tfx_core.evaluation as tfma  # pylint: disable=import-outside-toplevel
  joined = join_feedback(predictions, feedback)
  windows = []
  for start, end, part in split_windows(joined, seconds, rows):
    evaluation = tfma.Evaluation(eval_config)
    for batch in part.to_batches():
      evaluation.add(batch, {"": _prediction_array(batch.column(PREDICTION))})
    result = evaluation.result()
    validation = tfma.validate(eval_config, result, "", rubber_stamp=False)
    overall = result.slice(tfma.OVERALL)
    windows.append(QualityWindow(
        start, end, part.num_rows, sorted(set(part.column("model_version").to_pylist())),
        {_key_text(k): v for k, v in overall.metrics.items()},
        [f.message for s in validation.metric_validations_per_slice for f in s.failures]))
  return windows


def _key_text(key):
  return key.name + ("" if key.class_id is None else "/class_%d" % key.class_id)
