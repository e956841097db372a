"""The options of a DataAccessor's factories: tfx_bsl's fields and defaults."""

from typing import NamedTuple, Optional

# tf.data.AUTOTUNE, without importing TensorFlow here.
AUTOTUNE = -1


class TensorFlowDatasetOptions(NamedTuple):
  """tfx_bsl's options for a DataAccessor's tf_dataset_factory (same fields and defaults)."""
  batch_size: int
  drop_final_batch: bool = False
  num_epochs: Optional[int] = None   # None: repeat forever.
  shuffle: bool = True
  shuffle_buffer_size: int = 10000
  shuffle_seed: Optional[int] = None
  prefetch_buffer_size: int = AUTOTUNE
  reader_num_threads: int = AUTOTUNE
  parser_num_threads: int = AUTOTUNE
  sloppy_ordering: bool = False
  label_key: Optional[str] = None


class RecordBatchesOptions(NamedTuple):
  """tfx_bsl's options for a DataAccessor's record_batch_factory (same fields and defaults)."""
  batch_size: int
  drop_final_batch: bool = False
  num_epochs: Optional[int] = None
  shuffle: bool = True
  shuffle_buffer_size: int = 10000
  shuffle_seed: Optional[int] = None
