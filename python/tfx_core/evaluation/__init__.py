"""Model analysis with TFMA's configuration and semantics, on the C++ metrics.

TFMA users port by changing one import: `import tfx_core.evaluation as tfma` gives TFMA 0.52's
config messages (tfma.EvalConfig, tfma.ModelSpec, tfma.SlicingSpec, tfma.MetricsSpec,
tfma.MetricConfig, tfma.MetricThreshold, tfma.GenericValueThreshold,
tfma.GenericChangeThreshold, tfma.MetricDirection, ...) and tfma.metrics' metric classes:

    evaluation = tfma.Evaluation(eval_config)
    for batch in batches:
      evaluation.add(batch, {"": predictions})
    result = evaluation.result()
    validation = tfma.validate(eval_config, result, candidate_name="", rubber_stamp=False)
"""

from google.protobuf import json_format, text_format

from tfx_core.evaluation import metrics
from tfx_core.evaluation._evaluate import (BOOTSTRAP_SAMPLES, EvalResult, Evaluation, MetricKey,
                                           SliceResult, check_config)
from tfx_core.evaluation._registry import METRICS as METRIC_CLASSES
from tfx_core.evaluation._report import evaluation_html
from tfx_core.evaluation._run import DEFAULT_BATCH_SIZE, evaluate_examples
from tfx_core.evaluation._slicing import OVERALL, slice_name
from tfx_core.evaluation._validate import failures_text, validate
from tfx_core.proto.eval_config_pb2 import (AggregationOptions, BinarizationOptions,
                                            ConfidenceIntervalOptions, CrossSliceMetricThreshold,
                                            CrossSliceMetricThresholds, CrossSlicingSpec,
                                            EvalConfig, ExampleWeightOptions,
                                            GenericChangeThreshold, GenericValueThreshold,
                                            MetricConfig, MetricDirection, MetricsSpec,
                                            MetricThreshold, ModelSpec, Options, PaddingOptions,
                                            PerSliceMetricThreshold, PerSliceMetricThresholds,
                                            RepeatedInt32Value, RepeatedStringValue, SlicingSpec)
from tfx_core.proto.metrics_for_slice_pb2 import MetricsForSlice, PlotsForSlice
from tfx_core.proto.validation_result_pb2 import ValidationResult


def parse_eval_config(text):
  """An EvalConfig from its text format (pbtxt) or JSON, as TFX users write them."""
  stripped = text.lstrip()
  try:
    if stripped.startswith("{"):
      return json_format.Parse(text, EvalConfig())
    return text_format.Parse(text, EvalConfig())
  except (text_format.ParseError, json_format.ParseError) as e:
    raise ValueError("not an EvalConfig (pbtxt or JSON): %s" % e) from None


__all__ = [
    "AggregationOptions", "BOOTSTRAP_SAMPLES", "DEFAULT_BATCH_SIZE", "BinarizationOptions", "ConfidenceIntervalOptions",
    "CrossSliceMetricThreshold", "CrossSliceMetricThresholds", "CrossSlicingSpec", "EvalConfig",
    "EvalResult", "Evaluation", "ExampleWeightOptions", "GenericChangeThreshold",
    "GenericValueThreshold", "METRIC_CLASSES", "MetricConfig", "MetricDirection", "MetricKey",
    "MetricThreshold", "MetricsForSlice", "MetricsSpec", "ModelSpec", "OVERALL", "Options",
    "PaddingOptions", "PerSliceMetricThreshold", "PerSliceMetricThresholds", "PlotsForSlice",
    "RepeatedInt32Value", "RepeatedStringValue", "SliceResult", "SlicingSpec",
    "ValidationResult", "check_config", "evaluate_examples", "evaluation_html", "failures_text",
    "metrics", "parse_eval_config",
    "slice_name", "validate",
]
