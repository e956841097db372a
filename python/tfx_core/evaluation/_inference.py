"""Batched inference through a SavedModel's signature, for the Evaluator.

A signature with one string input (TFX's serving_default) gets the batch's rows as serialized
tf.Example, encoded in C++ (_tfx_core_ext.data.encode_examples); any other signature gets its
inputs by name from the batch's columns (the raw-feature signature of
tfx_core.training.raw_features_signature: dense columns, VarLen ones as flat values plus
NAME_row_lengths). The output is ModelSpec.prediction_key's, or the signature's only one.
"""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tfx_core._native import ext

ROW_LENGTHS_SUFFIX = "_row_lengths"


class SavedModelPredictor:
  """predict(record_batch) -> numpy [rows] or [rows, classes] of one model; outputs(batch) ->
  every output of the signature (with all_outputs=True no prediction_key is needed)."""

  def __init__(self, model_dir, signature_name="", prediction_key="", label="",
               all_outputs=False):
    import tensorflow as tf  # pylint: disable=import-outside-toplevel
    import tfx_core.ops  # pylint: disable=import-outside-toplevel,unused-import
    self._tf = tf
    self.label = label or model_dir
    try:
      self._model = tf.saved_model.load(model_dir)
    except (OSError, ValueError, tf.errors.OpError) as e:
      raise ValueError("%s: cannot load a SavedModel from %s: %s" % (self.label, model_dir,
                                                                    str(e).splitlines()[0]))
    name = signature_name or "serving_default"
    signatures = dict(self._model.signatures)
    if name not in signatures:
      raise ValueError("%s: the model has no signature %r; it has %s" % (
          self.label, name, ", ".join(sorted(signatures)) or "none"))
    self._signature = signatures[name]
    self.signature_name = name
    self._inputs = dict(self._signature.structured_input_signature[1])
    self.input_names = sorted(self._inputs)
    outputs = sorted(self._signature.structured_outputs)
    self.output_names = outputs
    if all_outputs:
      self._output = None
    elif prediction_key:
      if prediction_key not in outputs:
        raise ValueError("%s: ModelSpec.prediction_key %r is not an output of signature %r; "
                         "it has %s" % (self.label, prediction_key, name, ", ".join(outputs)))
      self._output = prediction_key
    elif len(outputs) == 1:
      self._output = outputs[0]
    else:
      raise ValueError("%s: signature %r has outputs %s; set ModelSpec.prediction_key to one "
                       "of them" % (self.label, name, ", ".join(outputs)))
    only = list(self._inputs.values())
    self.takes_examples = len(only) == 1 and only[0].dtype == tf.string and \
        only[0].shape.rank == 1
    # The features the signature parses: only these are encoded (None: encode every column).
    self._parsed = _parsed_keys(self._signature) if self.takes_examples else None

  def required_columns(self, available):
    """The example columns the signature reads (every column, for serialized examples)."""
    if self.takes_examples:
      return list(available) if self._parsed is None else [
          c for c in available if c in self._parsed]
    columns = {n[:-len(ROW_LENGTHS_SUFFIX)] if n.endswith(ROW_LENGTHS_SUFFIX) else n
               for n in self._inputs}
    missing = sorted(columns - set(available))
    if missing:
      raise ValueError("%s: signature %r takes %s, which the eval examples lack (they have "
                       "%s)" % (self.label, self.signature_name, ", ".join(missing),
                                ", ".join(available)))
    return sorted(columns)

  def __call__(self, batch):
    return np.asarray(self.outputs(batch)[self._output], np.float64)

  def outputs(self, batch):
    """{output name: numpy array} of the signature on the batch's rows."""
    tf = self._tf
    if self.takes_examples:
      (input_name,) = self._inputs
      names = [n for n in batch.schema.names if self._parsed is None or n in self._parsed]
      examples = ext.data.encode_examples(names, [batch.column(n) for n in names],
                                          batch.num_rows)
      feeds = {input_name: tf.constant(examples)}
    else:
      feeds = {name: tf.constant(self._column(batch, name, spec))
               for name, spec in self._inputs.items()}
    try:
      outputs = self._signature(**feeds)
    except (tf.errors.InvalidArgumentError, TypeError, ValueError) as e:
      raise ValueError("%s: signature %r does not take these examples: %s" % (
          self.label, self.signature_name, str(e).strip().splitlines()[0])) from None
    return {name: value.numpy() for name, value in outputs.items()}

  def _column(self, batch, name, spec):
    """A signature input from the batch: a dense column, a list column's flat values, or
    (NAME_row_lengths) its row lengths."""
    tf = self._tf
    lengths = name.endswith(ROW_LENGTHS_SUFFIX)
    values = batch.column(name[:-len(ROW_LENGTHS_SUFFIX)] if lengths else name)
    if pa.types.is_list(values.type) or pa.types.is_large_list(values.type):
      if lengths:
        return np.asarray(pc.list_value_length(values).fill_null(0), np.int64)
      values = values.flatten()
    if values.null_count:
      raise ValueError("%s: input %r of signature %r has missing values; the raw-feature "
                       "signature takes dense columns" % (self.label, name, self.signature_name))
    if spec.dtype == tf.string:
      array = np.asarray(values.cast(pa.binary()).to_pylist(), dtype=object)
    else:
      array = values.cast(pa.from_numpy_dtype(spec.dtype.as_numpy_dtype)).to_numpy()
    if spec.shape.rank == 2:
      array = array.reshape(-1, spec.shape[1] or 1)
    return array


_PARSE_OPS = {"ParseExampleV2": (2, 3, 4), "ParseExample": None}


def _parsed_keys(signature):
  """The feature keys the signature's tf.io.parse_example ops read (constants in its graph
  or the functions it calls), or None when they can't be told (then every column goes)."""
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  graph = signature.graph.as_graph_def()
  bodies = [list(graph.node)] + [list(f.node_def) for f in graph.library.function]
  keys, found = set(), False
  for nodes in bodies:
    by_name = {n.name: n for n in nodes}
    for node in nodes:
      if node.op not in _PARSE_OPS:
        continue
      found = True
      if _PARSE_OPS[node.op] is None:  # The v1 op lists its keys as separate inputs.
        return None
      for index in _PARSE_OPS[node.op]:
        source = by_name.get(node.input[index].split(":")[0].lstrip("^"))
        if source is None or source.op != "Const":
          return None
        keys.update(k.decode() if isinstance(k, bytes) else str(k)
                    for k in tf.make_ndarray(source.attr["value"].tensor).ravel())
  return keys if found else None
