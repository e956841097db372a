"""Reading the model server's request log (its layout: ops/serving/request_log.h).

Each finished file holds one row per served example: the metadata columns below, then the
structs `inputs` and `outputs` with one list column per tensor alias. A served feature is an
`inputs` field of that name, or, for a signature taking serialized tf.Examples, a feature of
those examples, parsed as the schema declares it.
"""

import os

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tfx_core.data import parse_examples
from tfx_core.data._readers import _scalar_if_single
from tfx_core.proto import schema_pb2

METADATA_COLUMNS = ("request_id", "example_index", "time", "model_name", "model_version",
                    "signature_name", "frontend", "latency_us")
_SUFFIX = ".parquet"  # Unfinished files are hidden ('.'-prefixed) until the server renames them.


class RequestLogError(ValueError):
  """A log file that cannot be read: `path` names it."""

  def __init__(self, path, reason):
    super().__init__("request log %s: %s" % (path, reason))
    self.path = path


def log_files(log_dir, model_name):
  """The model's finished log files, oldest first (their names start with their first
  request's UTC time)."""
  directory = os.path.join(log_dir, model_name)
  if not os.path.isdir(directory):
    return []
  return [os.path.join(directory, name) for name in sorted(os.listdir(directory))
          if name.endswith(_SUFFIX) and not name.startswith(".")]


def _example_spec(schema):
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  dtypes = {schema_pb2.FLOAT: tf.float32, schema_pb2.INT: tf.int64, schema_pb2.BYTES: tf.string}
  return {f.name: tf.io.RaggedFeature(dtypes[f.type]) for f in schema.feature
          if f.type in dtypes}


def _features(inputs, schema):
  """{feature: column} of one file's `inputs` struct."""
  out = {}
  declared = {f.name for f in schema.feature} if schema is not None else set()
  for i in range(inputs.type.num_fields):
    name, column = inputs.type.field(i).name, inputs.field(i)
    binary = pa.types.is_list(column.type) and pa.types.is_binary(column.type.value_type)
    if binary and schema is not None and name not in declared:
      # Serialized tf.Examples: their features, one example per row.
      examples = pc.list_flatten(column).to_pylist()
      if len(examples) != len(column):
        raise ValueError("input %r holds %d examples in %d rows; expected one per row" % (
            name, len(examples), len(column)))
      parsed = parse_examples(examples, _example_spec(schema))
      # The schema's features the examples carry (not, say, the label, which serving lacks).
      out.update({n: parsed.column(n).combine_chunks() for n in parsed.column_names
                  if parsed.column(n).null_count < parsed.num_rows})
    else:
      out[name] = _scalar_if_single(column)
  return out


def read_request_log(paths, schema=None):
  """The rows of these log files as one Table: METADATA_COLUMNS, then one column per served
  feature. A file that cannot be read raises RequestLogError naming it."""
  tables = []
  for path in paths:
    try:
      table = pq.read_table(path)
      inputs = table.column("inputs").combine_chunks()
      features = _features(inputs, schema)
    except (OSError, KeyError, ValueError, pa.ArrowException) as e:
      raise RequestLogError(path, str(e).splitlines()[0] if str(e) else type(e).__name__) \
          from None
    columns = {name: table.column(name) for name in METADATA_COLUMNS}
    columns.update(features)
    tables.append(pa.table(columns))
  if not tables:
    return pa.table({name: [] for name in METADATA_COLUMNS})
  return pa.concat_tables(tables, promote_options="permissive")
