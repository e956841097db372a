"""BulkInferrer: batch inference of a model over Examples splits (TFX's BulkInferrer)."""

from tfx_core.components.bulk_inferrer.component import BulkInferrer

__all__ = ["BulkInferrer"]
