"""Reading example files into Arrow tables: CSV, Parquet, JSON lines and TFRecords of
tf.Example (gzip or not), with errors that name the file and the row or record.

Bad rows (a CSV row with the wrong number of fields, a JSON line that does not parse) fail the
read by default; with `bad_rows="quarantine"` they are skipped and returned with their row
number and text, so the caller can keep them aside.
"""

import csv
import dataclasses
import io
import json

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.json as pajson
import pyarrow.parquet as pq

FORMATS = ("csv", "parquet", "jsonl", "tfrecord")
BAD_ROWS = ("fail", "quarantine")


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


def read_file(path, fmt=None, bad_rows="fail"):
  """(table, [BadRow]) for one file; fmt defaults to the one its name implies."""
  fmt = fmt or format_of(path)
  if fmt not in FORMATS:
    raise InputError("%s: cannot tell the format from the name; expected one of %s "
                     "(set the input format)" % (path, ", ".join(FORMATS)))
  if bad_rows not in BAD_ROWS:
    raise ValueError("bad_rows must be one of %s, got %r" % (BAD_ROWS, bad_rows))
  reader = {"csv": _read_csv, "parquet": _read_parquet, "jsonl": _read_jsonl,
            "tfrecord": _read_tfrecord}[fmt]
  return reader(path, bad_rows)


def _read_csv(path, bad_rows):
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
  return pa.table([_infer_type(table[name]) for name in header], names=header), skipped


def _infer_type(column):
  """int64 if every present value parses as one, else float64, else the strings unchanged."""
  column = column.combine_chunks()
  if column.null_count == len(column):
    return column
  for target in (pa.int64(), pa.float64()):
    try:
      return pc.cast(pc.utf8_trim_whitespace(column), target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
      continue
  return column


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


def _example_spec(path, dataset, sample=1000):
  """RaggedFeature per feature, typed from the first `sample` records."""
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  kinds = {}
  try:
    for i, serialized in enumerate(dataset.take(sample)):
      example = tf.train.Example()
      try:
        example.ParseFromString(serialized.numpy())
      except Exception:  # pylint: disable=broad-except
        raise InputError("%s: record %d is not a serialized tf.Example" % (path, i + 1)) from None
      for name, feature in example.features.feature.items():
        kind = feature.WhichOneof("kind")
        if kind and kinds.setdefault(name, kind) != kind:
          raise InputError("%s: record %d: feature %r is a %s, earlier records have %s" % (
              path, i + 1, name, kind, kinds[name]))
  except tf.errors.DataLossError as e:
    raise InputError("%s: not a TFRecord file (or corrupt): %s" % (path, e.message)) from None
  dtypes = {"bytes_list": tf.string, "float_list": tf.float32, "int64_list": tf.int64}
  return {name: tf.io.RaggedFeature(dtypes[kind], row_splits_dtype=tf.int32)
          for name, kind in sorted(kinds.items())}


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
