"""An evaluation over Parquet examples: each batch read once (Arrow), each model's predictions
by batched inference (or a predictions column already in the examples), every model
accumulated in the same pass."""

import logging

from tfx_core import tfxio
from tfx_core.evaluation._evaluate import Evaluation
from tfx_core.evaluation._inference import SavedModelPredictor

log = logging.getLogger("tfx_core.evaluation")

DEFAULT_BATCH_SIZE = 16384  # Rows per inference call: enough to amortize a call's cost.


def _column_predictor(spec):
  def predict(batch):
    index = batch.schema.get_field_index(spec.prediction_key)
    if index < 0:
      raise ValueError("ModelSpec %r: prediction_key %r is not a column of the eval examples; "
                       "they have %s" % (spec.name, spec.prediction_key,
                                         ", ".join(batch.schema.names)))
    column = batch.column(index)
    if hasattr(column.type, "value_type"):  # One score list per row (e.g. class scores).
      width = len(column[0]) if len(column) else 1
      return column.flatten().to_numpy(zero_copy_only=False).reshape(-1, width)
    return column.to_numpy(zero_copy_only=False)
  return predict


def evaluate_examples(eval_config, file_patterns, model_dirs, batch_size=DEFAULT_BATCH_SIZE,
                      progress=None):
  """An EvalResult of the models over the examples matching file_patterns.

  model_dirs: {ModelSpec.name: SavedModel directory}; a model without one reads its
  predictions from the examples' ModelSpec.prediction_key column (any model can be evaluated
  and gated). progress(rows) is called after each batch."""
  evaluation = Evaluation(eval_config)
  predictors = {}
  for model in evaluation.models:
    spec = model.spec
    if model_dirs.get(spec.name):
      predictors[spec.name] = SavedModelPredictor(
          model_dirs[spec.name], spec.signature_name, spec.prediction_key,
          label="model %r" % spec.name if spec.name else "the model")
    elif spec.prediction_key:
      predictors[spec.name] = _column_predictor(spec)
    else:
      raise ValueError("ModelSpec %r has neither a model nor a prediction_key column to read "
                       "predictions from" % spec.name)
  options = tfxio.RecordBatchesOptions(batch_size=batch_size, shuffle=False, num_epochs=1)
  for batch in tfxio.record_batches(file_patterns, options):
    evaluation.add(batch, {name: predict(batch) for name, predict in predictors.items()})
    if progress is not None:
      progress(evaluation.rows)
  return evaluation.result()
