"""Data validation: statistics (C++ accumulators), schema inference, anomalies, skew and drift,
and HTML reports. The API follows tensorflow_data_validation's names:

    stats = validation.generate_statistics(table)            # or GenerateStatistics in Beam
    schema = validation.infer_schema(stats)
    anomalies = validation.validate_statistics(stats, schema, previous_statistics=old)
"""

from tfx_core.validation._beam import GenerateStatistics, read_parquet_batches
from tfx_core.validation._report import anomalies_html, anomalies_text, statistics_html
from tfx_core.validation._schema import infer_schema, load_schema, write_schema
from tfx_core.validation._statistics import (ALL_EXAMPLES, QUANTILES_RANK_ERROR, StatsOptions,
                                             generate_statistics, get_feature, load_statistics,
                                             write_statistics)
from tfx_core.validation._validate import (jensen_shannon, l_infinity, max_severity,
                                           validate_statistics)


def stats_options(fields=None):
  """StatsOptions from a dict of its fields (a component parameter); unknown names are errors."""
  fields = dict(fields or {})
  known = StatsOptions.__dataclass_fields__
  unknown = sorted(set(fields) - set(known))
  if unknown:
    raise ValueError("unknown stats_options %s; known: %s" % (unknown, ", ".join(sorted(known))))
  if "slice_features" in fields:
    fields["slice_features"] = tuple(fields["slice_features"])
  return StatsOptions(**fields)


__all__ = [
    "ALL_EXAMPLES", "GenerateStatistics", "QUANTILES_RANK_ERROR", "StatsOptions",
    "anomalies_html", "anomalies_text", "generate_statistics", "get_feature", "infer_schema",
    "jensen_shannon", "l_infinity", "load_schema", "load_statistics", "max_severity",
    "read_parquet_batches", "statistics_html", "stats_options", "validate_statistics",
    "write_schema", "write_statistics",
]
