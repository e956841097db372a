"""Python face of the C++ mappers: argument handling and list re-assembly, no per-row work."""

from typing import Sequence, Union

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tfx_core._native import ext

_kernels = ext.transform

Vocabulary = _kernels.Vocabulary

ArrayLike = Union[np.ndarray, pa.Array]


def _as_array(values):
  """numpy and Arrow arrays pass through untouched; Python sequences become numpy arrays."""
  if isinstance(values, np.ndarray) or hasattr(values, "__arrow_c_array__"):
    return values
  if isinstance(values, pa.ChunkedArray):
    return values.combine_chunks()
  return np.asarray(values)


def _with_list_structure(values, leaves):
  """Wraps kernel output (one value per leaf) back into `values`' list structure, if any."""
  if not isinstance(values, (pa.ListArray, pa.LargeListArray)):
    return leaves
  offsets = values.offsets
  offsets = pc.subtract(offsets, offsets[0])  # Leaves start at the list's first value.
  mask = values.is_null() if values.null_count else None
  cls = type(values)
  return cls.from_arrays(offsets, pa.array(leaves), mask=mask)


def _map(kernel, values, *args):
  values = _as_array(values)
  return _with_list_structure(values, kernel(values, *args))


def scale_to_z_score(values: ArrayLike, mean: float, stddev: float):
  """(x - mean) / stddev. float64 in -> float64 out, otherwise float32; nulls -> NaN.

  Raises ValueError if stddev is not finite and > 0, or values have the wrong type.
  """
  return _map(_kernels.scale_to_z_score, values, float(mean), float(stddev))


def scale_to_0_1(values: ArrayLike, min_value: float, max_value: float):
  """(x - min_value) / (max_value - min_value); nulls -> NaN. Requires max_value > min_value."""
  return _map(_kernels.scale_to_0_1, values, float(min_value), float(max_value))


def bucketize(values: ArrayLike, boundaries: Sequence[float]):
  """int64 bucket ids: the number of boundaries <= x (numpy.searchsorted(..., side="right")).

  NaN maps to the last bucket (len(boundaries)), as in TFT; nulls to -1. Boundaries must be
  sorted (non-decreasing).
  """
  return _map(_kernels.bucketize, values, np.asarray(boundaries, dtype=np.float64).tolist())


def apply_vocabulary(values, vocabulary: Vocabulary, num_oov_buckets: int = 0,
                     default_value: int = -1):
  """int64 ids of strings in `vocabulary`.

  Out-of-vocabulary strings map to len(vocabulary) + fingerprint % num_oov_buckets, or to
  default_value when num_oov_buckets is 0; nulls map to default_value. `values` is an Arrow
  string/binary array (or list of those), or a Python sequence of strings.
  """
  if not hasattr(values, "__arrow_c_array__"):
    values = pa.array(values, type=pa.string()) if not isinstance(values, pa.ChunkedArray) \
        else values.combine_chunks()
  return _with_list_structure(
      values, vocabulary.lookup(values, num_oov_buckets=num_oov_buckets,
                                default_value=default_value))
