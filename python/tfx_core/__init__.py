"""tfx_core: production ML pipelines over a C++ core.

Public modules:
  tfx_core.mappers  feature mappers over numpy / Arrow arrays (the batch path)
  tfx_core.ops      the same mappers as TensorFlow ops (graphs, tf.function, SavedModel)
  tfx_core.proto    schema, statistics and anomalies protos (tensorflow_metadata-compatible)

Importing tfx_core itself loads neither TensorFlow nor the C++ extension.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
