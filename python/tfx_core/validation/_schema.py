"""Schemas: inferred from statistics (as tfdv.infer_schema does), read and written as text."""

import re

from google.protobuf import text_format

from tfx_core.proto import schema_pb2, statistics_pb2

_TYPES = {
    statistics_pb2.FeatureNameStatistics.INT: schema_pb2.INT,
    statistics_pb2.FeatureNameStatistics.FLOAT: schema_pb2.FLOAT,
    statistics_pb2.FeatureNameStatistics.STRING: schema_pb2.BYTES,
    statistics_pb2.FeatureNameStatistics.BYTES: schema_pb2.BYTES,
}


_INT_STRING = re.compile(r"^[ \t\n\v\f\r]*[+-]?[0-9]+[ \t\n\v\f\r]*$")


def int_label(label):
  """The int64 a string value spells (absl::SimpleAtoi's rule, as TFDV reads them), or None."""
  if not _INT_STRING.match(label):
    return None
  value = int(label.strip())
  return value if -2**63 <= value < 2**63 else None


def common_stats(feature):
  which = feature.WhichOneof("stats")
  return getattr(feature, which).common_stats if which else statistics_pb2.CommonStatistics()


def infer_schema(statistics, max_string_domain_size=100, infer_feature_shape=True):
  """A Schema from the first dataset of a DatasetFeatureStatisticsList.

  Per feature, as TFDV infers them: its type; presence (min_fraction 1 when never missing;
  min_count 1, or 0 for a feature the data never has a value of, so the data passes its own
  schema); shape [1] when every example has exactly one value (else a value count); for string
  features, an empty int_domain when every value is an integer written out (zip codes, ids),
  else a string domain when the feature has at most `max_string_domain_size` distinct values,
  all of them known; no domain when some values are not valid UTF-8. (TFDV would give 0/1
  features a bool_domain; we leave them without a domain.)
  """
  if not statistics.datasets:
    raise ValueError("cannot infer a schema from statistics without datasets")
  dataset = statistics.datasets[0]
  schema = schema_pb2.Schema()
  for stats in dataset.features:
    name = ".".join(stats.path.step) or stats.name
    common = common_stats(stats)
    feature = schema.feature.add(name=name, type=_TYPES.get(stats.type, schema_pb2.BYTES))
    feature.presence.min_count = 1 if common.num_non_missing > 0 else 0
    if common.num_missing == 0 and common.num_non_missing > 0:
      feature.presence.min_fraction = 1.0
    if common.min_num_values == 1 and common.max_num_values == 1:
      if infer_feature_shape and common.num_missing == 0:
        feature.shape.dim.add(size=1)
      else:
        feature.value_count.min = feature.value_count.max = 1
    elif common.min_num_values >= 1:
      feature.value_count.min = 1
    if stats.HasField("string_stats") and not stats.string_stats.invalid_utf8_count:
      values = [b.label for b in stats.string_stats.rank_histogram.buckets]
      unique = stats.string_stats.unique
      if values and all(int_label(v) is not None for v in values):
        feature.int_domain.SetInParent()  # TFDV: no min or max.
      elif 0 < unique <= max_string_domain_size and len(values) == unique:
        schema.string_domain.add(name=name, value=sorted(values))
        feature.domain = name
  return schema


def load_schema(path):
  """Reads a text-format Schema (schema.pbtxt); errors name the file and line."""
  with open(path) as f:
    text = f.read()
  try:
    return text_format.Parse(text, schema_pb2.Schema())
  except text_format.ParseError as e:
    raise ValueError("%s: not a valid schema.pbtxt: %s" % (path, e)) from None


def write_schema(schema, path):
  with open(path, "w") as f:
    f.write(text_format.MessageToString(schema))


def string_domain(schema, feature):
  """The allowed values of a feature's string domain (inline or by name), or None."""
  if feature.HasField("string_domain"):
    return set(feature.string_domain.value)
  if feature.HasField("domain"):
    for domain in schema.string_domain:
      if domain.name == feature.domain:
        return set(domain.value)
    raise ValueError("feature %r refers to string domain %r, which the schema does not define" % (
        feature.name, feature.domain))
  return None
