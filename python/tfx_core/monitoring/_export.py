"""Logged traffic with the labels that arrived later, as a new ExampleGen span: retraining sees
what the model served."""

import os
import re

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from tfx_core.monitoring._request_log import METADATA_COLUMNS

DEFAULT_PATTERN = "span-{SPAN}/data.parquet"  # Relative to the input base, as ExampleGen reads.


def read_feedback(path):
  """A feedback file (Parquet, or CSV with a header) of request_id[, example_index] and labels."""
  if path.endswith(".csv"):
    return pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
        column_types={"request_id": pa.string()}))
  return pq.read_table(path)


def _keys(feedback):
  if "request_id" not in feedback.column_names:
    raise ValueError("feedback needs a request_id column (the X-Request-Id the server logged); "
                     "it has %s" % ", ".join(feedback.column_names))
  keys = ["request_id"] + (["example_index"] if "example_index" in feedback.column_names else [])
  counts = feedback.group_by(keys).aggregate([([], "count_all")])
  repeated = counts.filter(pc.greater(counts.column("count_all"), 1))
  if repeated.num_rows:
    raise ValueError("feedback labels request %s more than once" % (
        repeated.slice(0, 1).to_pylist()[0]))
  return keys


def join_feedback(table, feedback):
  """The rows of a request-log table that have labels in `feedback`, with its columns added
  (Arrow's hash join on request_id, and example_index when the feedback has it: without it a
  request's labels apply to each of its examples)."""
  keys = _keys(feedback)
  if "example_index" in keys:
    feedback = feedback.set_column(feedback.column_names.index("example_index"), "example_index",
                                   pc.cast(feedback.column("example_index"), pa.int32()))
  clash = sorted((set(table.column_names) - set(keys)) & (set(feedback.column_names) - set(keys)))
  if clash:
    raise ValueError("feedback columns %s are also logged columns" % clash)
  return table.join(feedback, keys=keys, join_type="inner")


def _next_span(input_base, pattern):
  regex = re.compile(re.escape(pattern).replace(r"\{SPAN\}", r"(\d+)") + r"\Z")
  spans = []
  for root, _, files in os.walk(input_base):
    for name in files:
      match = regex.match(os.path.relpath(os.path.join(root, name), input_base))
      if match:
        spans.append(int(match.group(1)))
  return max(spans, default=-1) + 1


def export_span(table, feedback, input_base, pattern=DEFAULT_PATTERN, span=None):
  """Writes the logged rows of `table` (read_request_log's) that have a label in `feedback`
  (a Table of request_id, optionally example_index, and label columns; see join_feedback) as
  span `span` (default: the next after the
  latest under `input_base`) of `pattern`, a Parquet file ExampleGen reads. Returns (span,
  path, rows written, logged rows left out for want of a label)."""
  if "{SPAN}" not in pattern:
    raise ValueError("the export pattern needs {SPAN}, got %r" % pattern)
  keys = _keys(feedback)
  features = [n for n in table.column_names if n not in METADATA_COLUMNS]
  joined = join_feedback(table.select(keys + features), feedback).drop_columns(keys)
  span = _next_span(input_base, pattern) if span is None else span
  path = os.path.join(input_base, pattern.replace("{SPAN}", str(span)))
  if os.path.exists(path):
    raise FileExistsError("span %d already exists: %s" % (span, path))
  os.makedirs(os.path.dirname(path), exist_ok=True)
  pq.write_table(joined, path + ".tmp")
  os.replace(path + ".tmp", path)  # ExampleGen never sees a partial span file.
  return span, path, joined.num_rows, table.num_rows - joined.num_rows
