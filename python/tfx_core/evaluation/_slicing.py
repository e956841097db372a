"""Slices as TFMA defines them, assigned to rows a batch at a time by columnar operations.

A SlicingSpec with no keys and no values is the overall slice; feature_keys give one slice per
combination of the keys' values; feature_values keep only the rows with those values (compared
as strings, as TFMA's map<string, string> holds them). A row with a null in a key is in no slice
of that spec. Slice keys are tuples of (column, value) sorted by column, () for overall.
"""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tfx_core.proto import eval_config_pb2, metrics_for_slice_pb2

OVERALL = ()


def slice_name(key):
  """TFMA's stringify_slice_key: 'Overall', 'species:Adelie', 'island_X_sex:Biscoe_X_MALE'."""
  if not key:
    return "Overall"
  return "%s:%s" % ("_X_".join(c for c, _ in key), "_X_".join(str(v) for _, v in key))


def slice_key_proto(key):
  proto = metrics_for_slice_pb2.SliceKey()
  for column, value in key:
    single = proto.single_slice_keys.add(column=column)
    if isinstance(value, bool) or isinstance(value, (int, np.integer)):
      single.int64_value = int(value)
    elif isinstance(value, (float, np.floating)):
      single.float_value = float(value)
    else:
      single.bytes_value = value.encode() if isinstance(value, str) else bytes(value)
  return proto


def spec_matches(spec, key):
  """Whether slice `key` is one of `spec`'s slices (TFMA's is_slice_applicable)."""
  columns = dict(key)
  if set(columns) != set(spec.feature_keys) | set(spec.feature_values):
    return False
  return all(str(columns[c]) == v for c, v in spec.feature_values.items())


class Slicer:
  """Slice ids for the rows of record batches, one column per slicing spec, ids stable across
  batches (keys maps them back)."""

  def __init__(self, slicing_specs):
    self.specs = list(slicing_specs) or [eval_config_pb2.SlicingSpec()]
    for spec in self.specs:
      if spec.slice_keys_sql:
        raise ValueError("SlicingSpec.slice_keys_sql is not supported; use feature_keys and "
                         "feature_values")
    self._ids = {}
    self.keys = []

  @property
  def columns(self):
    return sorted({c for s in self.specs for c in list(s.feature_keys) + list(s.feature_values)})

  def _id(self, key):
    if key not in self._ids:
      self._ids[key] = len(self.keys)
      self.keys.append(key)
    return self._ids[key]

  def slice_ids(self, batch):
    """int64 [rows, len(specs)]: each row's slice of each spec, -1 for none."""
    rows = batch.num_rows
    out = np.full((rows, len(self.specs)), -1, np.int64)
    for j, spec in enumerate(self.specs):
      keep = np.ones(rows, bool)
      for column, wanted in sorted(spec.feature_values.items()):
        values = _column(batch, column)
        keep &= np.asarray(pc.fill_null(pc.equal(pc.cast(values, pa.string()), wanted), False))
      names = sorted(set(spec.feature_keys) | set(spec.feature_values))
      if not names:
        out[keep, j] = self._id(OVERALL)
        continue
      codes, dictionaries = np.zeros(rows, np.int64), []
      for column in names:
        encoded = pc.dictionary_encode(_column(batch, column))
        keep &= np.asarray(encoded.is_valid())
        dictionaries.append(encoded.dictionary.to_pylist())
        codes = codes * len(dictionaries[-1]) + np.asarray(encoded.indices.fill_null(0), np.int64)
      found, inverse = np.unique(codes[keep], return_inverse=True)
      ids = np.array([self._id(tuple(zip(names, _digits(int(c), dictionaries)))) for c in found],
                     np.int64)
      out[np.flatnonzero(keep), j] = ids[inverse]
    # Specs that name the same slice (feature_keys=[k] and feature_values={k: v}) count a row
    # in it once, as TFMA's set of slice keys per example does.
    for j in range(1, out.shape[1]):
      out[(out[:, :j] == out[:, j:j + 1]).any(axis=1), j] = -1
    return out


def _digits(code, dictionaries):
  """The values a combined code stands for (mixed radix, the last column fastest)."""
  values = []
  for dictionary in reversed(dictionaries):
    code, digit = divmod(code, len(dictionary))
    values.append(dictionary[digit])
  return tuple(reversed(values))


def _column(batch, name):
  """A slicing column as an Arrow array of scalars (one-value lists unwrapped, empty ones null)."""
  index = batch.schema.get_field_index(name)
  if index < 0:
    raise ValueError("slicing feature %r is not a column of the eval examples; they have %s" % (
        name, ", ".join(batch.schema.names)))
  values = batch.column(index)
  if isinstance(values, pa.ChunkedArray):
    values = values.combine_chunks()
  if not (pa.types.is_list(values.type) or pa.types.is_large_list(values.type)):
    return values
  lengths = np.asarray(pc.list_value_length(values).fill_null(0))
  if (lengths > 1).any():
    raise ValueError("slicing feature %r has %d values in a row; slicing needs one value per "
                     "row (or none)" % (name, int(lengths.max())))
  offsets = np.asarray(values.offsets)
  first = offsets[:-1] - offsets[0]  # Into flatten(), which starts at this slice's values.
  return pc.take(values.flatten(), pa.array(np.where(lengths == 1, first, 0), mask=lengths == 0))
