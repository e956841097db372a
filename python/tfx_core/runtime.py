"""The C++ kernels' process-wide thread pool.

Every kernel (statistics, analyzers, mappers) shares one bounded pool, whichever thread calls
it, so Beam workers, the runner's node threads and a server's request threads never multiply
threads. Its size is TFX_CORE_NUM_THREADS when set, else the cores this process may run on.

    from tfx_core import runtime
    runtime.set_num_threads(2)
"""

from tfx_core._native import ext


def num_threads():
  """Threads a kernel call can use (the pool's workers plus the calling thread)."""
  return ext.num_threads()


def set_num_threads(n):
  """Resizes the pool for kernel calls started from now on."""
  ext.set_num_threads(int(n))
