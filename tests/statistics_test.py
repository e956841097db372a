"""Statistics against exact computations on the penguin and taxi data; in-process, Beam
(several workers) and merged partial results agree."""

import os

import apache_beam as beam
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pytest
from apache_beam.options.pipeline_options import PipelineOptions

import tfx_core.examples
from tfx_core import validation
from tfx_core.proto import statistics_pb2
from tfx_core.validation import _statistics

DATA = os.path.join(os.path.dirname(tfx_core.examples.__file__), "data")
PENGUIN = pacsv.read_csv(os.path.join(DATA, "penguin", "penguins_processed.csv"))
TAXI = pacsv.read_csv(os.path.join(DATA, "chicago_taxi", "data.csv"))
BOUND = validation.QUANTILES_RANK_ERROR


def _exact_rank_ok(values, estimate, q):
  values = np.sort(values)
  below = np.searchsorted(values, estimate, side="left") / len(values)
  at_or_below = np.searchsorted(values, estimate, side="right") / len(values)
  return below <= q + BOUND and at_or_below >= q - BOUND


def test_numeric_stats_match_exact_values():
  stats = validation.generate_statistics(TAXI)
  dataset = stats.datasets[0]
  assert dataset.name == validation.ALL_EXAMPLES and dataset.num_examples == 15002
  for name in ("fare", "trip_miles", "pickup_latitude", "trip_start_hour", "tips"):
    column = TAXI[name]
    values = column.drop_null().to_numpy().astype(float)
    feature = validation.get_feature(stats, name)
    num = feature.num_stats
    assert num.common_stats.num_non_missing == len(values), name
    assert num.common_stats.num_missing == column.null_count, name
    assert num.mean == pytest.approx(values.mean(), rel=1e-12), name
    assert num.std_dev == pytest.approx(values.std(), rel=1e-9), name
    assert (num.min, num.max) == (values.min(), values.max()), name
    assert num.num_zeros == int((values == 0).sum()), name
    assert _exact_rank_ok(values, num.median, 0.5), name
    standard, quantiles = num.histograms
    assert standard.type == statistics_pb2.Histogram.STANDARD
    assert sum(b.sample_count for b in standard.buckets) == pytest.approx(len(values))
    assert quantiles.type == statistics_pb2.Histogram.QUANTILES
    for i, bucket in enumerate(quantiles.buckets):
      assert _exact_rank_ok(values, bucket.high_value, (i + 1) / 10), (name, i)
  assert validation.get_feature(stats, "trip_start_hour").type == \
      statistics_pb2.FeatureNameStatistics.INT


def test_string_stats_match_exact_values():
  stats = validation.generate_statistics(TAXI)
  for name in ("payment_type", "company"):
    column = TAXI[name]
    counts = pc.value_counts(column.drop_null()).to_pylist()
    exact = sorted(((c["counts"], c["values"]) for c in counts), reverse=True)
    s = validation.get_feature(stats, name).string_stats
    assert s.common_stats.num_missing == column.null_count
    assert s.unique == len(exact)
    assert [(v.frequency, v.value) for v in s.top_values] == \
        [(float(c), v) for c, v in exact[:20]]
    assert len(s.rank_histogram.buckets) == len(exact)
    lengths = pc.utf8_length(column.drop_null()).to_numpy()
    assert s.avg_length == pytest.approx(lengths.mean(), rel=1e-6)


def _beam_statistics(table, options, workers, tmp_path):
  args = ["--direct_num_workers=%d" % workers, "--direct_running_mode=multi_processing"] \
      if workers > 1 else []
  path = str(tmp_path / ("stats-%d.pb" % workers))
  with beam.Pipeline(options=PipelineOptions(args)) as p:
    _ = (p | beam.Create(table.to_batches(max_chunksize=1000))
         | validation.GenerateStatistics(options)
         | beam.Map(validation.write_statistics, path))
  return validation.load_statistics(path)


def _exact_fields(stats):
  """Every field except the sketched ones (histograms, median, top values, rank histograms)."""
  stats = type(stats).FromString(stats.SerializeToString())
  for dataset in stats.datasets:
    for f in dataset.features:
      if f.HasField("num_stats"):
        del f.num_stats.histograms[:]
        f.num_stats.ClearField("median")
        f.num_stats.common_stats.ClearField("num_values_histogram")
      else:
        f.string_stats.common_stats.ClearField("num_values_histogram")
  return stats


def test_in_process_beam_and_merged_parts_agree(tmp_path):
  options = validation.StatsOptions(slice_features=["payment_type"])
  whole = validation.generate_statistics(TAXI, options)
  direct = _beam_statistics(TAXI, options, 1, tmp_path)
  parts = [_statistics.add_batch({}, TAXI.slice(i, 5000), options) for i in range(0, 15002, 5000)]
  merged = parts[0]
  for part in parts[1:]:
    _statistics.merge(merged, part)
  merged = _statistics.to_proto(merged, options)
  assert [d.name for d in whole.datasets][:2] == [validation.ALL_EXAMPLES, "payment_type_Cash"]
  for other in (direct, merged):
    a, b = _exact_fields(whole), _exact_fields(other)
    for x, y in zip(a.datasets, b.datasets):
      assert x.num_examples == y.num_examples
      for fx, fy in zip(x.features, y.features):
        # Moments merge in another order: equal to rounding.
        which = fx.WhichOneof("stats")
        sx, sy = getattr(fx, which), getattr(fy, which)
        if which == "num_stats":
          assert sx.mean == pytest.approx(sy.mean, rel=1e-12, abs=1e-12)
          assert sx.std_dev == pytest.approx(sy.std_dev, rel=1e-9, abs=1e-12)
          for field in ("mean", "std_dev"):
            sx.ClearField(field)
            sy.ClearField(field)
        assert fx == fy
    for f in other.datasets[0].features:  # Sketched fields: within the bound of the truth.
      if f.HasField("num_stats") and f.num_stats.common_stats.num_non_missing:
        values = TAXI[f.path.step[0]].drop_null().to_numpy().astype(float)
        assert _exact_rank_ok(values, f.num_stats.median, 0.5), f.path.step[0]


def test_beam_with_several_worker_processes(tmp_path):
  stats = _beam_statistics(PENGUIN, validation.StatsOptions(), 2, tmp_path)
  assert _exact_fields(stats) == _exact_fields(validation.generate_statistics(PENGUIN))


def test_weights_slices_lists_and_errors():
  table = pa.table({"x": [1.0, 2.0, None, 4.0], "w": [1.0, 3.0, 1.0, 0.5],
                    "s": ["a", "b", "a", None], "tags": [[1, 2], [], None, [3]]})
  stats = validation.generate_statistics(
      table, validation.StatsOptions(weight_feature="w", slice_features=["s"]))
  assert [d.name for d in stats.datasets] == [validation.ALL_EXAMPLES, "s_a", "s_b"]
  x = validation.get_feature(stats, "x").num_stats
  assert x.weighted_numeric_stats.mean == pytest.approx((1 + 6 + 2) / 4.5)
  assert x.common_stats.weighted_common_stats.num_missing == 1.0
  tags = validation.get_feature(stats, "tags").num_stats.common_stats
  assert (tags.num_non_missing, tags.num_missing, tags.min_num_values, tags.max_num_values,
          tags.tot_num_values) == (3, 1, 0, 2, 3)
  assert validation.get_feature(stats, "s", dataset=1).string_stats.common_stats \
      .num_non_missing == 2
  with pytest.raises(ValueError, match="weight feature 'x' is missing in row 2"):
    validation.generate_statistics(table, validation.StatsOptions(weight_feature="x"))
  with pytest.raises(ValueError, match="feature 'x': values of type STRING"):
    validation.generate_statistics([table, pa.table({"x": ["oops"]})])
  with pytest.raises(ValueError, match="unknown stats_options"):
    validation.stats_options({"num_top_value": 3})


def test_non_utf8_bytes_are_counted_and_image_domain_features_get_bytes_stats():
  values = [b"\xff\x05", b"ok", b"\xc3\xa9t\xc3\xa9", b"ok", None, b"\x80"]
  table = pa.table({"b": pa.array(values, pa.binary())})
  s = validation.get_feature(validation.generate_statistics(table), "b").string_stats
  assert s.invalid_utf8_count == 2
  assert [(v.value, v.frequency) for v in s.top_values] == [
      ("ok", 2.0), ("__BYTES_VALUE__", 2.0), ("\u00e9t\u00e9", 1.0)]  # Ties: TFDV's order.
  assert s.unique == 4  # Distinct byte strings.
  schema = validation.infer_schema(validation.generate_statistics(table))
  schema.feature[0].image_domain.SetInParent()
  f = validation.get_feature(
      validation.generate_statistics(table, validation.StatsOptions(schema=schema)), "b")
  assert f.type == statistics_pb2.FeatureNameStatistics.BYTES
  b = f.bytes_stats
  assert (b.common_stats.num_non_missing, b.unique) == (5, 4)
  assert (b.avg_num_bytes, b.min_num_bytes, b.max_num_bytes, b.max_num_bytes_int) == (
      pytest.approx(12 / 5), 1, 5, 5)


def test_infinities_keep_the_finite_histogram():
  miles = TAXI["trip_miles"].to_pylist()
  dirty = [float("inf") if i % 100 == 7 and m is not None else m for i, m in enumerate(miles)]
  inf_table = TAXI.set_column(TAXI.column_names.index("trip_miles"), "trip_miles",
                              pa.array(dirty, pa.float64()))
  num = validation.get_feature(validation.generate_statistics(inf_table), "trip_miles").num_stats
  standard = num.histograms[0]
  assert standard.buckets[-1].low_value == standard.buckets[-1].high_value == float("inf")
  infinities = sum(1 for m in dirty if m == float("inf"))
  assert standard.buckets[-1].sample_count == infinities
  finite = [m for m in dirty if m is not None and m != float("inf")]
  assert len(standard.buckets) == 11
  assert standard.buckets[0].low_value == min(finite)
  assert standard.buckets[-2].high_value == max(finite)
  assert sum(b.sample_count for b in standard.buckets[:-1]) == len(finite)
  assert num.mean == float("inf") and np.isnan(num.std_dev)  # What they are (see README).
  # Drift against the clean data stays small (TFDV: 0.0052), not 1.
  clean = validation.get_feature(validation.generate_statistics(TAXI), "trip_miles")
  dirty_f = validation.get_feature(validation.generate_statistics(inf_table), "trip_miles")
  assert validation.jensen_shannon(dirty_f, clean) < 0.02


@pytest.mark.parametrize("chunk", [100000, 1000])
def test_std_of_large_integers_is_exact(chunk):
  rng = np.random.RandomState(3)
  ints = [2**53 + int(x) for x in rng.randint(0, 1001, 100000)]
  n, offsets = len(ints), [x - 2**53 for x in ints]  # Python integers: exact sums.
  exact = ((n * sum(d * d for d in offsets) - sum(offsets) ** 2) / n**2) ** 0.5
  table = pa.table({"x": pa.array(ints, pa.int64())})
  num = validation.get_feature(
      validation.generate_statistics(table.to_batches(max_chunksize=chunk)), "x").num_stats
  assert exact == pytest.approx(288.7, abs=1.0)
  # Doubles near 2^53 are 2 apart: the values themselves round by up to 1.
  assert num.std_dev == pytest.approx(exact, rel=1e-5)


def test_top_values_of_a_column_of_unique_values():
  ids = ["trip%05d" % i for i in range(15000)]
  stats = validation.generate_statistics(pa.table({"id": ids}).to_batches(max_chunksize=4000))
  s = validation.get_feature(stats, "id").string_stats
  # TFDV's exact counts, ties by descending value.
  assert [(v.value, v.frequency) for v in s.top_values] == [(i, 1.0) for i in ids[::-1][:20]]
  assert len(s.rank_histogram.buckets) == 1000
