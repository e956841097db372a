"""Reading example files into Arrow tables: CSV, Parquet, JSON lines and TFRecords of
tf.Example (gzip or not), with errors that name the file and the row or record.

Bad rows (a CSV row with the wrong number of fields, a JSON line that does not parse, a CSV
value that is not of the type a schema gives its column) fail the read by default; with
`bad_rows="quarantine"` they are skipped and returned with their row number and text, so the
caller can keep them aside. Without a schema a CSV column is typed from all of its values; one
that is numeric but for a few values is read as strings, with a warning naming those rows.
"""

import csv
import dataclasses
import io
import json
import logging

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.json as pajson
import pyarrow.parquet as pq

FORMATS = ("csv", "parquet", "jsonl", "tfrecord")
BAD_ROWS = ("fail", "quarantine")
# The Arrow type a CSV column of each schema type is read as (schema_pb2.FeatureType names).
_SCHEMA_TYPES = {"INT": pa.int64(), "FLOAT": pa.float64(), "BYTES": pa.string()}
# What Arrow's cast from strings accepts as a number (a string column that is mostly these
# gets a warning naming the other rows).
_NUMBER = r"^\s*[-+]?((\d+\.?\d*|\.\d+)([eE][-+]?\d+)?|(?i:inf|infinity|nan))\s*$"
_FEW = 10  # At most this many non-numbers in a numeric column are reported as suspicious.

log = logging.getLogger("tfx_core.data")


class InputError(ValueError):
  """Input data that cannot be read as asked; the message names the file and row."""


@dataclasses.dataclass
class BadRow:
  path: str
  row: int  # 1-based; the CSV header is row 1.
  text: str
  reason: str


def format_of(path):
  """The format a file's name implies, or None."""
  name = path.lower()
  if name.endswith(".gz"):
    name = name[:-3]
  for suffix, fmt in ((".csv", "csv"), (".parquet", "parquet"), (".jsonl", "jsonl"),
                      (".json", "jsonl"), (".tfrecord", "tfrecord"), (".tfrecords", "tfrecord")):
    if name.endswith(suffix):
      return fmt
  return None


def column_types(schema):
  """{column: Arrow type} from a tensorflow_metadata Schema's features (None: no schema)."""
  if schema is None:
    return None
  from tfx_core.proto import schema_pb2  # pylint: disable=import-outside-toplevel
  types = {}
  for feature in schema.feature:
    name = schema_pb2.FeatureType.Name(feature.type)
    if name in _SCHEMA_TYPES:
      types[feature.name] = (name, _SCHEMA_TYPES[name])
  return types


def read_file(path, fmt=None, bad_rows="fail", schema=None):
  """(table, [BadRow]) for one file; fmt defaults to the one its name implies. With a schema
  (tensorflow_metadata Schema), CSV columns take its types and values that are not of them are
  bad rows."""
  fmt = fmt or format_of(path)
  if fmt not in FORMATS:
    raise InputError("%s: cannot tell the format from the name; expected one of %s "
                     "(set the input format)" % (path, ", ".join(FORMATS)))
  if bad_rows not in BAD_ROWS:
    raise ValueError("bad_rows must be one of %s, got %r" % (BAD_ROWS, bad_rows))
  reader = {"csv": _read_csv, "parquet": _read_parquet, "jsonl": _read_jsonl,
            "tfrecord": _read_tfrecord}[fmt]
  if fmt == "csv":
    return _read_csv(path, bad_rows, column_types(schema))
  return reader(path, bad_rows)


def _read_csv(path, bad_rows, types=None):
  with _open(path) as f:
    header = next(csv.reader(io.TextIOWrapper(f, encoding="utf-8", newline="")), None)
  if not header:
    raise InputError("%s: empty CSV file; expected a header row" % path)
  if len(set(header)) != len(header) or "" in header:
    raise InputError("%s: the header row must name every column once, got %s" % (path, header))
  skipped = []

  def on_invalid(row):
    reason = "expected %d fields (the header's), got %d" % (row.expected_columns,
                                                             row.actual_columns)
    skipped.append(BadRow(path, row.number, row.text, reason))
    return "error" if bad_rows == "fail" else "skip"  # A raise here would be swallowed.

  try:
    # Single-threaded, so that bad rows come with their numbers. Every column is read as
    # text and typed below over the whole file, so a late value never breaks inference.
    table = pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(use_threads=False),
        parse_options=pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=on_invalid),
        convert_options=pacsv.ConvertOptions(
            column_types={name: pa.string() for name in header}, strings_can_be_null=True,
            quoted_strings_can_be_null=False))
  except pa.ArrowInvalid as e:
    if skipped:
      bad = skipped[-1]
      raise InputError("%s: row %d: %s: %r" % (path, bad.row, bad.reason, bad.text[:200])) from None
    raise InputError("%s: %s" % (path, e)) from None
  types = types or {}
  columns, bad_cells = [], {}  # bad_cells: row index -> (column, value, expected type).
  for name in header:
    if name in types:
      column, bad = _cast_to_schema_type(table[name], *types[name])
      for row in bad:
        bad_cells.setdefault(row, (name, table[name][row].as_py(), types[name][0]))
    else:
      column = _infer_type(path, name, table[name])
    columns.append(column)
  table = pa.table(columns, names=header)
  if bad_cells:
    records = _csv_records(path, bad_cells)
    rows = sorted(bad_cells)
    reasons = {row: "column %r: %r is not %s, the schema's type for it" % (
        bad_cells[row][0], bad_cells[row][1], _a(bad_cells[row][2])) for row in rows}
    if bad_rows == "fail":
      line, _ = records[rows[0]]
      more = " (and %d more rows)" % (len(rows) - 1) if len(rows) > 1 else ""
      raise InputError("%s: line %d, %s%s; fix the data, or set bad_rows='quarantine' to set "
                       "such rows aside" % (path, line, reasons[rows[0]], more))
    skipped.extend(BadRow(path, records[row][0], records[row][1], reasons[row]) for row in rows)
    keep = np.ones(table.num_rows, dtype=bool)
    keep[rows] = False
    table = table.filter(pa.array(keep))
  return table, skipped


def _a(type_name):
  return ("an " if type_name[0] in "AEIOU" else "a ") + type_name


def _cast_to_schema_type(column, type_name, target):
  """(typed column, [row indices of values that are not of the type]); bad values are null."""
  column = column.combine_chunks()
  if pa.types.is_string(target):
    return column, []
  trimmed = pc.utf8_trim_whitespace(column)
  try:
    return pc.cast(trimmed, target), []
  except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
    pass
  # Only when some value is bad: find which, value by value.
  parse = int if type_name == "INT" else float
  values, bad = trimmed.to_pylist(), []
  for i, value in enumerate(values):
    if value is None:
      continue
    try:
      parse(value)
    except ValueError:
      bad.append(i)
      values[i] = None
  return pc.cast(pa.array(values, pa.string()), target), bad


def _infer_type(path, name, column):
  """int64 if every present value parses as one, else float64, else the strings unchanged
  (with a warning naming the rows when all but a few values are numbers)."""
  column = column.combine_chunks()
  if column.null_count == len(column):
    return column
  trimmed = pc.utf8_trim_whitespace(column)
  for target in (pa.int64(), pa.float64()):
    try:
      return pc.cast(trimmed, target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
      continue
  not_number = pc.and_(column.is_valid(), pc.invert(pc.match_substring_regex(trimmed, _NUMBER)))
  rows = pc.indices_nonzero(not_number).to_pylist()
  present = len(column) - column.null_count
  if 0 < len(rows) <= _FEW and len(rows) * 100 <= present:
    records = _csv_records(path, rows)
    log.warning("%s: column %r is read as strings because of %d value(s) that are not numbers "
                "in %d: %s. Fix them, or give ExampleGen a schema that types the column (then "
                "such rows are bad rows).", path, name, len(rows), present, ", ".join(
                    "line %d: %r" % (records[r][0], column[r].as_py()) for r in rows))
  return column


def _csv_records(path, rows):
  """{data row index: (line number where the record starts, its text)} for the given rows
  (error paths only: it parses the file again in Python to count lines)."""
  wanted, out = set(rows), {}
  with _open(path) as f:
    lines = io.TextIOWrapper(f, encoding="utf-8", newline="").read().splitlines(keepends=True)
  reader = csv.reader(lines)
  next(reader, None)  # The header.
  end = reader.line_num
  for index, _ in enumerate(reader):
    start, end = end + 1, reader.line_num
    if index in wanted:
      out[index] = (start, "".join(lines[start - 1:end]).rstrip("\r\n"))
      if len(out) == len(wanted):
        break
  return out


def _read_parquet(path, bad_rows):
  del bad_rows  # Parquet has no rows to skip: a corrupt file is an error.
  try:
    return pq.read_table(path), []
  except (pa.ArrowInvalid, OSError) as e:
    raise InputError("%s: not a readable Parquet file: %s" % (path, e)) from None


def _read_jsonl(path, bad_rows):
  with _open(path) as f:
    data = f.read()
  try:
    return pajson.read_json(io.BytesIO(data)), []
  except pa.ArrowInvalid as e:
    error = e
  # Find the bad lines (this path only runs when the fast reader failed).
  lines = data.split(b"\n")
  good, skipped = [], []
  for number, line in enumerate(lines, start=1):
    if not line.strip():
      continue
    try:
      value = json.loads(line)
      if not isinstance(value, dict):
        raise ValueError("expected a JSON object, got %s" % type(value).__name__)
    except ValueError as e:
      text = line.decode("utf-8", "replace")
      if bad_rows == "fail":
        raise InputError("%s: line %d: %s: %r" % (path, number, e, text[:200])) from None
      skipped.append(BadRow(path, number, text, str(e)))
      continue
    good.append(line)
  try:
    return pajson.read_json(io.BytesIO(b"\n".join(good))), skipped
  except pa.ArrowInvalid as e:  # E.g. a field whose type changes between lines.
    raise InputError("%s: %s" % (path, e if good else error)) from None


def _read_tfrecord(path, bad_rows):
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  compression = "GZIP" if _is_gzip(path) else ""
  dataset = tf.data.TFRecordDataset(path, compression_type=compression)
  spec = _example_spec(path, dataset)
  columns = {name: [] for name in spec}
  record = 0
  skipped = []
  try:
    for serialized in dataset.batch(4096):
      try:
        parsed = tf.io.parse_example(serialized, spec)
      except tf.errors.InvalidArgumentError as e:
        if bad_rows == "fail":
          raise InputError("%s: record %d to %d: not a tf.Example matching the features of the "
                           "first records: %s" % (path, record + 1, record + len(serialized),
                                                  e.message.splitlines()[0])) from None
        parsed = None
      if parsed is None:  # Quarantine: parse record by record to keep the good ones.
        parsed_rows = []
        for i, one in enumerate(serialized.numpy()):
          try:
            parsed_rows.append(tf.io.parse_example(tf.constant([one]), spec))
          except tf.errors.InvalidArgumentError as e:
            skipped.append(BadRow(path, record + i + 1, repr(one[:200]), e.message.splitlines()[0]))
        for row in parsed_rows:
          for name in spec:
            columns[name].append(_ragged_to_arrow(row[name]))
      else:
        for name in spec:
          columns[name].append(_ragged_to_arrow(parsed[name]))
      record += len(serialized)
  except tf.errors.DataLossError as e:
    raise InputError("%s: corrupt TFRecord after record %d: %s" % (path, record, e.message)) from None
  arrays = [pa.concat_arrays(columns[name]) if columns[name] else pa.array([], pa.null())
            for name in spec]
  return pa.table([_scalar_if_single(a) for a in arrays], names=list(spec)), skipped


_KINDS = ("bytes_list", "float_list", "int64_list")


def _example_spec(path, dataset):
  """RaggedFeature per feature, typed from every record (a feature first seen late is still
  read). The feature names and kinds come from TensorFlow's proto decoder, batch by batch."""
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  kinds, first = {}, 0
  try:
    for serialized in dataset.batch(4096):
      try:
        keys, kind_ids, records = _feature_kinds(serialized)
      except tf.errors.InvalidArgumentError:
        bad = next(i for i, one in enumerate(serialized.numpy()) if not _parses(one))
        raise InputError("%s: record %d is not a serialized tf.Example" % (
            path, first + bad + 1)) from None
      for key, kind, record in zip(keys, kind_ids, records):
        if kind < 0:
          continue  # A feature with no list set: no values, no type.
        name = key.decode("utf-8", "replace")
        seen = kinds.setdefault(name, (kind, first + record + 1))
        if seen[0] != kind:
          raise InputError("%s: record %d: feature %r has a %s; record %d has a %s" % (
              path, first + record + 1, name, _KINDS[kind], seen[1], _KINDS[seen[0]]))
      first += len(serialized)
  except tf.errors.DataLossError as e:
    raise InputError("%s: not a TFRecord file (or corrupt): %s" % (path, e.message)) from None
  dtypes = (tf.string, tf.float32, tf.int64)
  return {name: tf.io.RaggedFeature(dtypes[kind], row_splits_dtype=tf.int32)
          for name, (kind, _) in sorted(kinds.items())}


def _feature_kinds(serialized):
  """(keys, kind index into _KINDS or -1, record index) of each distinct (feature, kind,
  first record) in a batch of serialized tf.Examples."""
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  _, (features,) = tf.io.decode_proto(serialized, "tensorflow.Example", ["features"],
                                      [tf.string])
  sizes, (entries,) = tf.io.decode_proto(tf.reshape(features, [-1]), "tensorflow.Features",
                                         ["feature"], [tf.string])
  ragged = tf.RaggedTensor.from_tensor(entries, lengths=sizes[:, 0])
  records = ragged.value_rowids()
  _, (keys, values) = tf.io.decode_proto(ragged.flat_values, "tensorflow.Features.FeatureEntry",
                                         ["key", "value"], [tf.string, tf.string])
  keys, values = tf.reshape(keys, [-1]), tf.reshape(values, [-1])
  present, _ = tf.io.decode_proto(values, "tensorflow.Feature", list(_KINDS), [tf.string] * 3)
  kind = tf.where(tf.reduce_any(present > 0, axis=1),
                  tf.argmax(present, axis=1, output_type=tf.int32), -1)
  # One entry per distinct (key, kind): its first record, for the error message.
  tagged = tf.strings.join([keys, tf.strings.as_string(kind)], separator="\0")
  _, index = tf.unique(tagged)
  firsts = tf.math.unsorted_segment_min(tf.range(tf.size(index)), index, tf.reduce_max(index) + 1) \
      if tf.size(index) > 0 else tf.zeros([0], tf.int32)
  return (tf.gather(keys, firsts).numpy(), tf.gather(kind, firsts).numpy(),
          tf.gather(records, firsts).numpy())


def _parses(serialized):
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  try:
    tf.train.Example.FromString(serialized)
    return True
  except Exception:  # pylint: disable=broad-except
    return False


def parse_examples(serialized, spec):
  """Serialized tf.Examples (a list of bytes) as a Table with one column per feature of
  `spec` ({name: tf.io.RaggedFeature}), parsed by TensorFlow's C++ parser; a feature with at
  most one value per example is a plain column."""
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  parsed = tf.io.parse_example(tf.constant(serialized, tf.string), spec)
  return pa.table([_scalar_if_single(_ragged_to_arrow(parsed[name])) for name in spec],
                  names=list(spec))


def _ragged_to_arrow(ragged):
  """A list array; tf.Example cannot tell an absent feature from an empty one: both are null."""
  splits = ragged.row_splits.numpy()
  values = ragged.flat_values.numpy()
  if values.dtype == object:
    values = pa.array(values, pa.binary()).cast(pa.string(), safe=False)
  else:
    values = pa.array(values)
  lengths = np.diff(splits)
  mask = pa.array(lengths == 0)
  return pa.ListArray.from_arrays(pa.array(splits, pa.int32()), values, mask=mask)


def _scalar_if_single(array):
  """Lists of at most one value per row become plain columns (what CSV gives too)."""
  if not pa.types.is_list(array.type):
    return array
  if array.null_count == len(array):
    return pa.nulls(len(array), array.type.value_type)
  if pc.max(pc.list_value_length(array)).as_py() != 1:
    return array
  return pc.list_element(array, 0)


def _open(path):
  import gzip  # pylint: disable=import-outside-toplevel
  return gzip.open(path, "rb") if _is_gzip(path) else open(path, "rb")


def _is_gzip(path):
  with open(path, "rb") as f:
    return f.read(2) == b"\x1f\x8b"


def unify(tables):
  """Casts tables read from several files to one schema: null -> any type, int -> float; any
  other disagreement is an error naming the column and the two files."""
  types, origin = {}, {}
  for path, table in tables:
    for field in table.schema:
      seen = types.get(field.name)
      if seen is None or pa.types.is_null(seen):
        types[field.name], origin[field.name] = field.type, path
      elif pa.types.is_null(field.type) or seen == field.type:
        continue
      elif pa.types.is_integer(seen) and pa.types.is_floating(field.type):
        types[field.name], origin[field.name] = field.type, path
      elif pa.types.is_floating(seen) and pa.types.is_integer(field.type):
        continue
      else:
        raise InputError("column %r is %s in %s but %s in %s" % (
            field.name, field.type, path, seen, origin[field.name]))
  schema = pa.schema([(name, t) for name, t in types.items()])
  out = []
  for _, table in tables:
    columns = [table[name].cast(t) if name in table.column_names else
               pa.nulls(table.num_rows, t) for name, t in types.items()]
    out.append(pa.table(columns, schema=schema))
  return schema, out
