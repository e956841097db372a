"""tensorflow_transform.analyzers' public names (tft.analyzers): the analyzers, and the helpers
TFT exports from that module."""

from tfx_core._native import ext
from tfx_core.transform._analyzers import (count_per_key, covariance, max, mean, min, pca,  # pylint: disable=redefined-builtin,unused-import
                                           quantiles, size, sum, var, vocabulary)

# TFT's min_diff_from_avg for a labeled vocabulary over `dataset_size` rows (2 to 25); the
# default tft.vocabulary(labels=...) uses.
calculate_recommended_min_diff_from_avg = ext.analyzers.recommended_min_diff_from_avg
