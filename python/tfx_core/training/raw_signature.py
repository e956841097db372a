"""A serving signature over raw feature tensors, beside TFX's serialized-tf.Example
serving_default: for clients that hold columns rather than tf.Examples (TF Serving's columnar
"inputs" REST format, gRPC TensorProtos, a batch job's Arrow columns).

A SavedModel signature takes dense tensors only, so each raw feature is sent as named dense
tensors (the request format):
  FixedLenFeature(shape)     NAME: [batch] + shape
  VarLenFeature              NAME: every row's values, flat; NAME_row_lengths: int64 [batch]
                             (becomes the SparseTensor tf.io.parse_example gives)
  SparseFeature(size)        VALUE_KEY: the values, flat; INDEX_KEY: their int64 indices, flat;
                             NAME_row_lengths: int64 [batch]
  RaggedFeature              NAME: the values, flat; NAME_row_lengths: int64 [batch]
Inside, the features go through the TransformGraph (the model's tft_layer) and the model, as
serving_default's parsed tf.Examples do, so the two signatures give the same outputs.
"""

# The name tfx_core's examples export it under.
RAW_SIGNATURE_NAME = "serving_raw"
ROW_LENGTHS_SUFFIX = "_row_lengths"


def raw_input_specs(raw_feature_spec):
  """{input name: tf.TensorSpec} of the signature for a raw feature spec (the request
  format above); an unsupported feature, or two features wanting one input name, is an
  error naming them."""
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  specs, owners = {}, {}

  def add(name, shape, dtype, feature):
    if name in specs:
      raise ValueError("raw features '%s' and '%s' both need the signature input '%s'" % (
          owners[name], feature, name))
    specs[name], owners[name] = tf.TensorSpec(shape, dtype, name=name), feature

  for name in sorted(raw_feature_spec):
    feature = raw_feature_spec[name]
    if isinstance(feature, tf.io.FixedLenFeature):
      add(name, [None] + list(feature.shape), feature.dtype, name)
    elif isinstance(feature, tf.io.VarLenFeature):
      add(name, [None], feature.dtype, name)
      add(name + ROW_LENGTHS_SUFFIX, [None], tf.int64, name)
    elif isinstance(feature, tf.io.SparseFeature) and isinstance(feature.index_key, str):
      add(feature.value_key, [None], feature.dtype, name)
      add(feature.index_key, [None], tf.int64, name)
      add(name + ROW_LENGTHS_SUFFIX, [None], tf.int64, name)
    elif isinstance(feature, tf.io.RaggedFeature) and not feature.partitions:
      add(name, [None], feature.dtype, name)
      add(name + ROW_LENGTHS_SUFFIX, [None], tf.int64, name)
    else:
      raise ValueError("raw feature '%s' (%r) has no raw-tensor signature input: FixedLen, "
                       "VarLen, 1-D SparseFeature and unpartitioned RaggedFeature do" % (
                           name, feature))
  return specs


def raw_features(inputs, raw_feature_spec):
  """The raw features (as tf.io.parse_example would give them) from the signature's inputs."""
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  features = {}
  for name, feature in raw_feature_spec.items():
    if isinstance(feature, tf.io.FixedLenFeature):
      features[name] = inputs[name]
      continue
    lengths = inputs[name + ROW_LENGTHS_SUFFIX]
    if isinstance(feature, tf.io.SparseFeature):
      rows = tf.repeat(tf.range(tf.size(lengths, out_type=tf.int64)), lengths)
      features[name] = tf.sparse.reorder(tf.SparseTensor(
          tf.stack([rows, inputs[feature.index_key]], 1), inputs[feature.value_key],
          tf.stack([tf.size(lengths, out_type=tf.int64), tf.constant(feature.size, tf.int64)])))
      continue
    ragged = tf.RaggedTensor.from_row_lengths(inputs[name], lengths)
    features[name] = ragged if isinstance(feature, tf.io.RaggedFeature) else ragged.to_sparse()
  return features


def raw_features_signature(model, tf_transform_output, label_key=None, output_key="outputs"):
  """A tf.function for `signatures=` of tf.saved_model.save (or tf_keras's model.save): the
  raw features but label_key, in the request format above -> {output_key: model(transformed
  features)}. Uses model.tft_layer (attaching one when the model has none), so the
  TransformGraph and its vocabularies are saved with the model."""
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  if not hasattr(model, "tft_layer"):
    model.tft_layer = tf_transform_output.transform_features_layer()
  spec = tf_transform_output.raw_feature_spec()
  spec.pop(label_key, None)
  inputs = raw_input_specs(spec)

  @tf.function(input_signature=[inputs])
  def serve_raw_features_fn(tensors):
    return {output_key: model(model.tft_layer(raw_features(tensors, spec)))}

  return serve_raw_features_fn
