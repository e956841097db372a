"""GPU mappers give the CPU kernels' results; skipped where there is no CUDA build or GPU."""

import numpy as np
import pytest

from tfx_core import mappers
from tfx_core._native import ext


def test_cuda_module_reports_availability():
  assert isinstance(ext.cuda.built, bool)
  if ext.cuda.device_count() == 0:
    with pytest.raises(RuntimeError, match="CUDA|cuda"):
      ext.cuda.scale_to_z_score(np.ones(4), 0.0, 1.0)


@pytest.mark.skipif(ext.cuda.device_count() == 0,
                    reason="no CUDA build (--config=cuda) or no GPU on this machine")
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_gpu_matches_cpu(dtype):
  rng = np.random.default_rng(3)
  x = (rng.normal(0, 50, 1_000_003)).astype(dtype)
  boundaries = np.sort(rng.normal(0, 50, 100))
  np.testing.assert_array_equal(ext.cuda.scale_to_z_score(x, 1.0, 3.0),
                                mappers.scale_to_z_score(x, 1.0, 3.0))
  np.testing.assert_array_equal(ext.cuda.scale_to_0_1(x, -200.0, 200.0),
                                mappers.scale_to_0_1(x, -200.0, 200.0))
  np.testing.assert_array_equal(ext.cuda.bucketize(x, boundaries), mappers.bucketize(x, boundaries))
