"""tfx_core's mappers as TensorFlow ops, for tf.function, Keras layers and SavedModels.

Importing this module loads the op library (and TensorFlow). A SavedModel that uses these ops
needs `import tfx_core.ops` in the process that loads it, before tf.saved_model.load.
Results are bit-identical to `tfx_core.mappers` on the same values.
"""

from tfx_core.ops._transform_ops import apply_vocabulary
from tfx_core.ops._transform_ops import bucketize
from tfx_core.ops._transform_ops import scale_to_0_1
from tfx_core.ops._transform_ops import scale_to_z_score

__all__ = [
    "apply_vocabulary",
    "bucketize",
    "scale_to_0_1",
    "scale_to_z_score",
]
