"""The TransformGraph: the final trace of preprocessing_fn saved as a SavedModel, and
TransformOutput, which loads it (in any process: only tfx_core's ops are needed, not the user's
code).

Layout of a transform output directory (tensorflow_transform's, plus one JSON file):
  transform_fn/                    SavedModel; `transform_features(raw) -> transformed`;
                                   vocabularies in transform_fn/assets/
  transformed_metadata/schema.pbtxt  the transformed features
  metadata/schema.pbtxt            the raw features it expects
  transform_metadata.json          analyzer values and which raw features each output reads
"""

import concurrent.futures
import json
import os
import shutil
import tempfile
import threading
import types

import pyarrow as pa
import tensorflow as tf

from tfx_core import mappers
from tfx_core import ops  # noqa: F401  (registers the TfxCore* ops for loading)
from tfx_core.proto import schema_pb2
from tfx_core.transform import _inputs, _tracing
from tfx_core.types import SCHEMA_FILE
from tfx_core.validation import load_schema, write_schema

TRANSFORM_FN_DIR = "transform_fn"
TRANSFORMED_METADATA_DIR = "transformed_metadata"
RAW_METADATA_DIR = "metadata"
METADATA_FILE = "transform_metadata.json"


def _file_names(known):
  return sorted({v["file"] for v in known.values() if isinstance(v, dict) and "file" in v})


class _TransformModule(tf.Module):
  """Holds the vocabulary assets and the traced transform_features function."""

  def __init__(self, preprocessing_fn, spec, known, files_dir):
    super().__init__()
    self.assets = {name: tf.saved_model.Asset(os.path.join(files_dir, name))
                   for name in _file_names(known)}
    # What the trace found out; a plain namespace, so the SavedModel does not track it.
    self.traced = types.SimpleNamespace(depends_on={}, direct={}, int_domains={})
    signature = {name: _inputs.type_spec(f) for name, f in sorted(spec.items())}

    def transform_features(inputs):
      inputs = {n: _inputs.with_static_shape(t, spec[n]) for n, t in inputs.items()}
      trace = _tracing.Trace(known, inputs, lambda name: self.assets[name].asset_path,
                             columnar={n for n, f in spec.items() if _inputs.is_columnar(f)})
      with _tracing.tracing(trace):
        outputs = _tracing.call_preprocessing_fn(preprocessing_fn, inputs)
      if trace.pending:
        raise RuntimeError("analyzers %s are still pending in the final trace" % (
            [r.label for r in trace.pending],))
      self.traced.direct = trace.direct_plan(outputs)
      self.traced.int_domains = trace.int_domains(outputs)
      result = {}
      for name, value in outputs.items():
        value = _canonical_dtype(value)
        self.traced.depends_on[name] = trace.features_of(_tracing.components(value))
        result[name] = value
      return result

    # No autograph: preprocessing_fn is traced as written (as in the analysis passes).
    self.transform_features = tf.function(transform_features, input_signature=[signature],
                                          autograph=False)
    self.concrete = self.transform_features.get_concrete_function()


_TO_FLOAT32 = (tf.float16, tf.bfloat16, tf.float64)
_TO_INT64 = (tf.bool, tf.int8, tf.int16, tf.int32, tf.uint8, tf.uint16, tf.uint32)


def _canonical_dtype(value):
  """An output in the dtype its schema type reads back as (FLOAT: float32, INT: int64), as
  TFT's outputs are."""
  target = tf.float32 if value.dtype in _TO_FLOAT32 else \
      tf.int64 if value.dtype in _TO_INT64 else None
  if target is None:
    return value
  if isinstance(value, tf.SparseTensor):
    return tf.SparseTensor(value.indices, tf.cast(value.values, target), value.dense_shape)
  if isinstance(value, tf.RaggedTensor):
    return value.with_flat_values(tf.cast(value.flat_values, target))
  return tf.cast(value, target)


def output_spec(concrete):
  """The transformed feature spec, from the traced function's outputs."""
  spec = {}
  for name, ts in concrete.structured_outputs.items():
    if ts.dtype not in (tf.int64, tf.float32, tf.string):
      raise ValueError("preprocessing_fn output '%s' has dtype %s; outputs must be numbers "
                       "or strings, as in tf.Example" % (name, ts.dtype.name))
    if isinstance(ts, tf.SparseTensor):
      spec[name] = _inputs.sparse_output_feature(name, ts)
    elif isinstance(ts, tf.RaggedTensor):
      spec[name] = _inputs.ragged_output_feature(name, ts)
    else:
      shape = ts.shape.as_list()
      if len(shape) < 1 or None in shape[1:]:
        raise ValueError("preprocessing_fn output '%s' has shape %s; a dense output needs a "
                         "batch dimension and fixed inner dimensions" % (name, shape))
      spec[name] = tf.io.FixedLenFeature(shape[1:], ts.dtype)
  return spec


def save_transform_graph(preprocessing_fn, spec, known, files_dir, output_dir):
  """Traces the final preprocessing_fn and writes the transform output directory: into a
  temporary sibling, renamed into place only when complete (an older one is replaced whole)."""
  parent = os.path.dirname(os.path.abspath(output_dir))
  os.makedirs(parent, exist_ok=True)
  tmp = tempfile.mkdtemp(prefix=".transform_graph-", dir=parent)
  try:
    _write(preprocessing_fn, spec, known, files_dir, tmp)
    if os.path.exists(output_dir):
      old = tempfile.mkdtemp(prefix=".replaced-", dir=parent)
      os.rename(output_dir, os.path.join(old, "old"))
      os.rename(tmp, output_dir)
      shutil.rmtree(old, ignore_errors=True)
    else:
      os.rename(tmp, output_dir)
  finally:
    shutil.rmtree(tmp, ignore_errors=True)


def _write(preprocessing_fn, spec, known, files_dir, tmp):
  module = _TransformModule(preprocessing_fn, spec, known, files_dir)
  transformed = output_spec(module.concrete)
  # No signatures (they would wrap and trace the function again; loaders call
  # `transform_features` on the restored object) and no saver functions (no variables).
  tf.saved_model.save(module, os.path.join(tmp, TRANSFORM_FN_DIR), signatures={},
                      options=tf.saved_model.SaveOptions(experimental_skip_saver=True,
                                                         experimental_custom_gradients=False))
  for directory, schema in (
      (TRANSFORMED_METADATA_DIR,
       _inputs.schema_from_feature_spec(transformed, module.traced.int_domains)),
      (RAW_METADATA_DIR, _inputs.schema_from_feature_spec(spec))):
    os.makedirs(os.path.join(tmp, directory))
    write_schema(schema, os.path.join(tmp, directory, SCHEMA_FILE))
  with open(os.path.join(tmp, METADATA_FILE), "w") as f:
    json.dump({"analyzers": known, "depends_on": module.traced.depends_on,
               "direct": module.traced.direct}, f, indent=1, sort_keys=True)


class TransformOutput:
  """A TransformGraph directory: its feature specs, vocabularies, analyzer values, and the
  transform itself (as a function, a Keras layer, or over Arrow batches)."""

  def __init__(self, transform_output_dir):
    self._dir = transform_output_dir
    if not os.path.isdir(self.transform_savedmodel_dir):
      raise ValueError("%s is not a transform output: %s/ is missing" % (
          transform_output_dir, TRANSFORM_FN_DIR))
    with open(os.path.join(transform_output_dir, METADATA_FILE)) as f:
      metadata = json.load(f)
    self._analyzers, self._depends_on = metadata["analyzers"], metadata["depends_on"]
    self._direct = metadata["direct"]
    self._loaded = None
    self._spec_cache = None
    self._mappers = None

  @property
  def transform_savedmodel_dir(self):
    return os.path.join(self._dir, TRANSFORM_FN_DIR)

  def _spec(self, directory):
    return _inputs.feature_spec_from_schema(
        load_schema(os.path.join(self._dir, directory, SCHEMA_FILE)))

  def raw_feature_spec(self):
    return self._spec(RAW_METADATA_DIR)

  def transformed_feature_spec(self):
    return self._spec(TRANSFORMED_METADATA_DIR)

  def transformed_metadata_schema(self) -> schema_pb2.Schema:
    return load_schema(os.path.join(self._dir, TRANSFORMED_METADATA_DIR, SCHEMA_FILE))

  @property
  def transformed_metadata(self):
    """TFT's member: the transformed features' DatasetMetadata (`.schema`)."""
    return _inputs.DatasetMetadata(self.transformed_metadata_schema())

  @property
  def raw_metadata(self):
    return _inputs.DatasetMetadata(
        load_schema(os.path.join(self._dir, RAW_METADATA_DIR, SCHEMA_FILE)))

  def analyzer_values(self):
    """{analyzer key: value} (means, variances, boundaries, vocabulary files and sizes, ...)."""
    return dict(self._analyzers)

  def depends_on(self, output):
    """The raw features an output is computed from."""
    return list(self._depends_on[output])

  def _vocabulary(self, name):
    for value in self._analyzers.values():
      if isinstance(value, dict) and value.get("file") == name:
        return value
    raise ValueError("no vocabulary named %r; there are: %s" % (name, ", ".join(
        sorted(v["file"] for v in self._analyzers.values() if "file" in v))))

  def num_buckets_for_transformed_feature(self, name):
    """How many ids a categorical output can take (vocabulary ids with OOV buckets, bucket ids,
    hash buckets): its int_domain's max + 1, as TFT's TFTransformOutput gives it."""
    for feature in self.transformed_metadata_schema().feature:
      if feature.name == name:
        if not feature.HasField("int_domain"):
          raise ValueError("transformed feature %r has no integer domain: it is not the output "
                           "of a vocabulary, bucketize or hash mapper" % name)
        return feature.int_domain.max + 1
    raise ValueError("no transformed feature %r" % name)

  def vocabulary_file_by_name(self, vocab_filename):
    self._vocabulary(vocab_filename)
    return os.path.join(self.transform_savedmodel_dir, "assets", vocab_filename)

  def vocabulary_size_by_name(self, vocab_filename):
    return self._vocabulary(vocab_filename)["size"]

  def vocabulary_by_name(self, vocab_filename):
    """The tokens of a vocabulary, as bytes, in id order."""
    with open(self.vocabulary_file_by_name(vocab_filename), "rb") as f:
      return f.read().split(b"\n")[:self.vocabulary_size_by_name(vocab_filename)]

  def load_transform_graph(self):
    if self._loaded is None:
      self._loaded = tf.saved_model.load(self.transform_savedmodel_dir)
    return self._loaded

  def transform_raw_features(self, raw_features):
    """{name: Tensor | SparseTensor} of transformed features; raw_features needs every raw
    feature (use transform_features_layer() to leave some out)."""
    return self.load_transform_graph().transform_features(raw_features)

  def transform_arrow(self, batch):
    """The batch path: a pyarrow Table of transformed features for a RecordBatch or Table of
    raw ones. When every output is a C++ mapper applied to a raw column, those kernels run on
    the Arrow columns (the functors the TF ops run); otherwise the saved graph runs, once."""
    spec, transformed = self._specs()
    if set(transformed) - set(self._direct):
      outputs = self.transform_raw_features(_inputs.to_tensors(batch, spec))
      return _inputs.to_arrow({k: _numpy(v) for k, v in outputs.items()}, batch.num_rows)
    columns = self._mappers.apply(batch)
    return pa.table({name: columns[name] for name in sorted(columns)})

  def _specs(self):
    if self._spec_cache is None:
      raw = self.raw_feature_spec()
      self._mappers = DirectMappers(self._direct, raw,
                                    os.path.join(self.transform_savedmodel_dir, "assets"))
      self._spec_cache = (raw, self.transformed_feature_spec())
    return self._spec_cache

  def transform_features_layer(self):
    return TransformFeaturesLayer(self)


class DirectMappers:
  """The outputs that are a C++ mapper of a raw column, computed by that kernel on the Arrow
  column (the functor the TF op calls): the batch path's way around TensorFlow."""

  def __init__(self, plan, raw_spec, vocabulary_dir):
    self._plan, self._spec, self._vocabulary_dir = plan, raw_spec, vocabulary_dir
    self._vocabularies = {}
    self._lock = threading.Lock()

  def _vocabulary(self, name, store_frequency):
    with self._lock:
      if name not in self._vocabularies:
        self._vocabularies[name] = mappers.Vocabulary.from_file(
            os.path.join(self._vocabulary_dir, name), store_frequency)
      return self._vocabularies[name]

  def apply(self, batch):
    """{output name: Arrow array} for a RecordBatch or Table of raw features."""
    def one(name):
      entry = self._plan[name]
      feature, spec = entry["feature"], self._spec[entry["feature"]]
      values, lengths = _inputs.column_values(batch, feature, spec)
      try:
        vocabulary = self._vocabulary(entry["file"], entry.get("store_frequency", False)) \
            if "file" in entry else None
        mapped = _direct_mapper(entry, values, vocabulary)
      except ValueError as e:
        raise ValueError("output '%s' (%s of feature '%s'): %s" % (
            name, entry["mapper"], feature, e)) from e
      return _inputs.with_structure(mapped, lengths, spec)
    # The kernels release the GIL: large batches are mapped on all cores.
    run = _POOL.map if batch.num_rows >= _PARALLEL_ROWS else map
    return dict(zip(self._plan, run(one, list(self._plan))))


_POOL = concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 1)
_PARALLEL_ROWS = 16384  # Below this, handing outputs to threads costs more than it saves.


def _direct_mapper(entry, values, vocabulary):
  mapper = entry["mapper"]
  if mapper == "scale_to_z_score":
    return pa.array(mappers.scale_to_z_score(values, entry["mean"], entry["stddev"]))
  if mapper == "scale_to_0_1":
    return pa.array(mappers.scale_to_0_1(values, entry["min"], entry["max"]))
  if mapper == "bucketize":
    return pa.array(mappers.bucketize(values, entry["boundaries"]))
  if mapper == "apply_vocabulary":
    return pa.array(mappers.apply_vocabulary(values, vocabulary,
                                             entry["num_oov_buckets"], entry["default_value"]))
  raise ValueError("unknown mapper %r in the transform metadata" % mapper)


def _numpy(value):
  if isinstance(value, tf.SparseTensor):
    return tf.compat.v1.SparseTensorValue(value.indices.numpy(), value.values.numpy(),
                                          value.dense_shape.numpy())
  if isinstance(value, tf.RaggedTensor):
    result = value.flat_values.numpy()
    for splits in reversed(value.nested_row_splits):
      result = tf.compat.v1.ragged.RaggedTensorValue(result, splits.numpy())
    return result
  return value.numpy()


class TransformFeaturesLayer(tf.keras.layers.Layer):
  """Applies a TransformGraph in a Keras model. Raw features left out of the input (the label
  at serving time) are filled with empty values, and the outputs that read them are dropped."""

  def __init__(self, transform_output, **kwargs):
    super().__init__(trainable=False, **kwargs)
    self._output = transform_output
    self._spec = transform_output.raw_feature_spec()
    # A public attribute, so a model that holds this layer tracks the TransformGraph and
    # exports its vocabularies with it (tf.saved_model.save copies the assets).
    self.transform_graph = transform_output.load_transform_graph()
    self._fn = self.transform_graph.transform_features

  def call(self, features):  # pylint: disable=arguments-differ
    missing = sorted(set(self._spec) - set(features))
    if len(missing) == len(self._spec):
      raise ValueError("transform_features_layer got none of the raw features %s" % sorted(
          self._spec))
    batch = _batch_size(features)
    inputs = dict(features)
    for name in missing:
      inputs[name] = _empty(self._spec[name], batch)
    outputs = self._fn({k: inputs[k] for k in self._spec})
    return {k: v for k, v in outputs.items()
            if not set(self._output.depends_on(k)) & set(missing)}


def _batch_size(features):
  value = next(iter(features.values()))
  if isinstance(value, tf.SparseTensor):
    return value.dense_shape[0]
  return tf.shape(value, out_type=tf.int64)[0]


def _empty(feature, batch):
  if isinstance(feature, tf.io.VarLenFeature):
    return tf.SparseTensor(tf.zeros([0, 2], tf.int64), tf.zeros([0], feature.dtype),
                           tf.stack([batch, 0]))
  return tf.zeros(tf.concat([[batch], tf.constant(feature.shape, tf.int64)], 0), feature.dtype)
