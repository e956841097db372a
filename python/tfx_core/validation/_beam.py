"""Statistics in Apache Beam: a CombineFn over record batches driving the C++ accumulators."""

import apache_beam as beam

from tfx_core.validation import _statistics


class _StatisticsCombineFn(beam.CombineFn):
  """Accumulator: dict slice key -> C++ Accumulator (pickled as its serialized bytes)."""

  def __init__(self, options):
    self._options = options

  def create_accumulator(self):
    return {}

  def add_input(self, accumulators, batch):
    return _statistics.add_batch(accumulators, batch, self._options)

  def merge_accumulators(self, accumulators):
    accumulators = iter(accumulators)
    merged = next(accumulators)
    for other in accumulators:
      _statistics.merge(merged, other)
    return merged

  def extract_output(self, accumulators):
    return _statistics.generate_statistics([], self._options) if not accumulators else \
        _statistics.to_proto(accumulators, self._options)


class GenerateStatistics(beam.PTransform):
  """PCollection of pyarrow RecordBatches or Tables -> one DatasetFeatureStatisticsList."""

  def __init__(self, options=_statistics.StatsOptions()):
    super().__init__()
    self._options = options

  def expand(self, batches):
    return batches | "CombineStatistics" >> beam.CombineGlobally(
        _StatisticsCombineFn(self._options))


def read_parquet_batches(pipeline, file_pattern, label="ReadParquet"):
  """Row groups of the Parquet files matching `file_pattern`, as pyarrow Tables."""
  return pipeline | label >> beam.io.ReadFromParquetBatched(file_pattern)
