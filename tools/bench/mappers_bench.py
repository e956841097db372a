"""Throughput of tfx_core's mappers (via the pybind11 extension) next to numpy, same data, same run.

    bazel run //tools/bench:mappers_bench -- [--size=10000000] [--repeats=5] [--json_out=FILE]

Each row is the best of --repeats timed calls after a warm-up; both sides get the same float64
array and parameters, and their outputs are checked equal before timing.
"""

import time

from absl import app
from absl import flags
import numpy as np

from bench_util import define_json_out, write_figures
from tfx_core import mappers

_SIZE = flags.DEFINE_integer("size", 10_000_000, "Number of float64 values.", lower_bound=1)
_BOUNDARIES = flags.DEFINE_integer("boundaries", 100, "Number of bucket boundaries.", lower_bound=1)
_REPEATS = flags.DEFINE_integer("repeats", 5, "Timed calls per row (the best is reported).",
                                lower_bound=1)
_SEED = flags.DEFINE_integer("seed", 0, "Random seed for the data.")
_JSON_OUT = define_json_out()


def _best_seconds(fn):
  fn()  # Warm-up: page in the output, load code.
  best = float("inf")
  for _ in range(_REPEATS.value):
    start = time.perf_counter()
    fn()
    best = min(best, time.perf_counter() - start)
  return best


def main(argv):
  del argv
  rng = np.random.default_rng(_SEED.value)
  x = rng.normal(0.0, 1.0, _SIZE.value)
  boundaries = np.sort(rng.normal(0.0, 1.0, _BOUNDARIES.value))
  mean, std = float(x.mean()), float(x.std())

  np.testing.assert_array_equal(mappers.bucketize(x, boundaries),
                                np.searchsorted(boundaries, x, side="right"))
  np.testing.assert_allclose(mappers.scale_to_z_score(x, mean, std), (x - mean) / std, rtol=1e-15)

  rows = [
      ("bucketize_vs_numpy", "bucketize (%d boundaries)" % _BOUNDARIES.value,
       _best_seconds(lambda: mappers.bucketize(x, boundaries)),
       "numpy.searchsorted", _best_seconds(lambda: np.searchsorted(boundaries, x, side="right"))),
      ("zscore_vs_numpy", "scale_to_z_score",
       _best_seconds(lambda: mappers.scale_to_z_score(x, mean, std)),
       "(x - mean) / std", _best_seconds(lambda: (x - mean) / std)),
  ]
  n = _SIZE.value
  print("\n%d float64 values, best of %d (M values/s = millions of values per second)\n" % (
      n, _REPEATS.value))
  print("| kernel | tfx_core M values/s | numpy reference | numpy M values/s | speed-up |")
  print("|---|---:|---|---:|---:|")
  for _, name, ours, ref_name, ref in rows:
    print("| %s | %.0f | %s | %.0f | %.1fx |" % (name, n / ours / 1e6, ref_name, n / ref / 1e6,
                                                ref / ours))
  write_figures(_JSON_OUT.value, {figure: ref / ours for figure, _, ours, _, ref in rows})


if __name__ == "__main__":
  app.run(main)
