"""Feature mappers over numpy and Arrow arrays: the batch path, run by C++ kernels.

Every function takes a numpy array (int64/float32/float64, C-contiguous; the result has its
shape) or any Arrow array (pyarrow, polars, ...; read zero-copy through the Arrow C data
interface; list arrays map their values and keep their offsets). The GIL is released while the
kernels run. The TensorFlow ops in `tfx_core.ops` compute the same bits.
"""

from tfx_core.mappers._mappers import Vocabulary
from tfx_core.mappers._mappers import apply_vocabulary
from tfx_core.mappers._mappers import bucketize
from tfx_core.mappers._mappers import scale_to_0_1
from tfx_core.mappers._mappers import scale_to_z_score

__all__ = [
    "Vocabulary",
    "apply_vocabulary",
    "bucketize",
    "scale_to_0_1",
    "scale_to_z_score",
]
