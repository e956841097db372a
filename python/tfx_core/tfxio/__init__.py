"""tfx_bsl's public tfxio names over tfx_core's Parquet examples: `from tfx_core import tfxio`
where a TFX module file says `from tfx_bsl.public import tfxio`.

    TensorFlowDatasetOptions, RecordBatchesOptions  the options a DataAccessor's factories take
    tf_dataset(file_patterns, options, schema)       (features, label) batches as a tf.data.Dataset
    record_batches(file_patterns, options)           the same rows as Arrow record batches
"""

from tfx_core.tfxio.dataset_options import (AUTOTUNE, RecordBatchesOptions,
                                            TensorFlowDatasetOptions)
from tfx_core.tfxio._parquet import record_batches, tf_dataset

__all__ = ["AUTOTUNE", "RecordBatchesOptions", "TensorFlowDatasetOptions", "record_batches",
           "tf_dataset"]
