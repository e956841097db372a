"""TFX's standard components under their TFX names and arguments (`tfx.v1.components`).

Each is a tfx_core component: the TFX arguments map onto its parameters, its outputs have
TFX's keys. Arguments TFX has that tfx_core cannot honour yet raise NotImplementedError naming
them, rather than being ignored.
"""

from tfx_core import components as _c
from tfx_core.training import DataAccessor, FnArgs
from tfx_core.proto import example_gen_pb2 as _example_gen_pb2


def _unsupported(component, **arguments):
  given = sorted(name for name, value in arguments.items() if value not in (None, False))
  if given:
    raise NotImplementedError("%s: %s not supported by tfx_core yet" % (component,
                                                                          ", ".join(given)))


class CsvExampleGen(_c.ExampleGen):
  """CSV files under input_base -> Examples (`examples`)."""

  def __init__(self, input_base=None, input_config=None, output_config=None,
               custom_config=None, range_config=None):
    _unsupported("CsvExampleGen", custom_config=custom_config)
    super().__init__(input_base=input_base, input_format="csv", input_config=input_config,
                     output_config=output_config, range_config=range_config)


_PAYLOAD_FORMATS = {_example_gen_pb2.FORMAT_TF_EXAMPLE: "tfrecord",
                    _example_gen_pb2.FORMAT_PARQUET: "parquet"}


class ImportExampleGen(_c.ExampleGen):
  """TFRecords of tf.Example (or Parquet, payload_format=FORMAT_PARQUET) -> Examples."""

  def __init__(self, input_base=None, input_config=None, output_config=None,
               range_config=None, payload_format=_example_gen_pb2.FORMAT_TF_EXAMPLE):
    if payload_format not in _PAYLOAD_FORMATS:
      raise NotImplementedError("ImportExampleGen: payload_format %s not supported by tfx_core "
                                "yet (supported: %s)" % (
                                    _example_gen_pb2.PayloadFormat.Name(payload_format),
                                    ", ".join(_example_gen_pb2.PayloadFormat.Name(f)
                                              for f in _PAYLOAD_FORMATS)))
    super().__init__(input_base=input_base, input_format=_PAYLOAD_FORMATS[payload_format],
                     input_config=input_config, output_config=output_config,
                     range_config=range_config)


class StatisticsGen(_c.StatisticsGen):
  """Examples -> ExampleStatistics (`statistics`)."""

  def __init__(self, examples=None, schema=None, stats_options=None, exclude_splits=None):
    _unsupported("StatisticsGen", schema=schema)
    if stats_options is not None and not isinstance(stats_options, dict):
      raise TypeError("StatisticsGen: stats_options must be a dict of "
                      "tfx_core.validation.StatsOptions fields, got %r" % (stats_options,))
    super().__init__(examples=examples, stats_options=stats_options,
                     exclude_splits=exclude_splits)


class SchemaGen(_c.SchemaGen):
  """ExampleStatistics -> Schema (`schema`), inferred from the train split."""

  def __init__(self, statistics=None, infer_feature_shape=True, exclude_splits=None):
    if "train" in (exclude_splits or []):
      raise NotImplementedError("SchemaGen: tfx_core infers from the train split; it cannot be "
                                "excluded yet")
    super().__init__(statistics=statistics, infer_feature_shape=infer_feature_shape)


class ImportSchemaGen(_c.ImportSchemaGen):
  """A user's schema.pbtxt -> Schema (`schema`)."""

  def __init__(self, schema_file):
    super().__init__(schema_file=schema_file)


class ExampleValidator(_c.ExampleValidator):
  """ExampleStatistics + Schema -> ExampleAnomalies (`anomalies`)."""

  def __init__(self, statistics=None, schema=None, exclude_splits=None,
               custom_validation_config=None):
    _unsupported("ExampleValidator", custom_validation_config=custom_validation_config)
    super().__init__(statistics=statistics, schema=schema, exclude_splits=exclude_splits)


class Transform(_c.Transform):
  """Examples + Schema + preprocessing_fn -> TransformGraph, transformed Examples, statistics."""

  def __init__(self, examples=None, schema=None, module_file=None, preprocessing_fn=None,
               splits_config=None, analyzer_cache=None, materialize=True,
               disable_analyzer_cache=False, force_tf_compat_v1=False, custom_config=None,
               disable_statistics=False, stats_options_updater_fn=None):
    del force_tf_compat_v1  # Graphs are always traced in TF2; nothing to choose.
    _unsupported("Transform", analyzer_cache=analyzer_cache, custom_config=custom_config,
                 stats_options_updater_fn=stats_options_updater_fn,
                 disable_analyzer_cache=disable_analyzer_cache)
    super().__init__(examples=examples, schema=schema, module_file=module_file,
                     preprocessing_fn=preprocessing_fn, splits_config=splits_config,
                     materialize=materialize, disable_statistics=disable_statistics)


class Trainer(_c.Trainer):
  """Examples (+ TransformGraph, Schema, HyperParameters, base Model) + run_fn -> Model
  (`model`) and ModelRun (`model_run`)."""

  def __init__(self, examples=None, transformed_examples=None, transform_graph=None,
               schema=None, base_model=None, hyperparameters=None, module_file=None,
               run_fn=None, trainer_fn=None, train_args=None, eval_args=None,
               custom_config=None, custom_executor_spec=None):
    _unsupported("Trainer", trainer_fn=trainer_fn, custom_executor_spec=custom_executor_spec)
    if examples is not None and transformed_examples is not None:
      raise ValueError("Trainer: give examples or transformed_examples (deprecated), not both")
    super().__init__(examples=examples if examples is not None else transformed_examples,
                     transform_graph=transform_graph, schema=schema, base_model=base_model,
                     hyperparameters=hyperparameters, module_file=module_file, run_fn=run_fn,
                     train_args=train_args, eval_args=eval_args, custom_config=custom_config)


class Tuner(_c.Tuner):
  """Examples (+ Schema, TransformGraph, base Model) + tuner_fn -> HyperParameters
  (`best_hyperparameters`)."""

  def __init__(self, examples=None, schema=None, transform_graph=None, base_model=None,
               module_file=None, tuner_fn=None, train_args=None, eval_args=None,
               tune_args=None, custom_config=None):
    super().__init__(examples=examples, schema=schema, transform_graph=transform_graph,
                     base_model=base_model, module_file=module_file, tuner_fn=tuner_fn,
                     train_args=train_args, eval_args=eval_args, tune_args=tune_args,
                     custom_config=custom_config)


class Evaluator(_c.Evaluator):
  """Examples + Model (+ baseline Model) + EvalConfig -> ModelEvaluation (`evaluation`) and
  ModelBlessing (`blessing`)."""

  def __init__(self, examples=None, model=None, baseline_model=None, feature_slicing_spec=None,
               fairness_indicator_thresholds=None, example_splits=None, eval_config=None,
               schema=None, module_file=None, module_path=None):
    _unsupported("Evaluator", feature_slicing_spec=feature_slicing_spec,
                 module_file=module_file, module_path=module_path)
    super().__init__(examples=examples, model=model, baseline_model=baseline_model,
                     schema=schema, eval_config=eval_config, example_splits=example_splits,
                     fairness_indicator_thresholds=fairness_indicator_thresholds)


class BulkInferrer(_c.BulkInferrer):
  """Examples + Model (+ ModelBlessing) -> InferenceResult (`inference_result`) or, with
  output_example_spec, Examples with prediction columns (`output_examples`)."""

  def __init__(self, examples=None, model=None, model_blessing=None, data_spec=None,
               model_spec=None, output_example_spec=None):
    super().__init__(examples=examples, model=model, model_blessing=model_blessing,
                     data_spec=data_spec, model_spec=model_spec,
                     output_example_spec=output_example_spec)


class InfraValidator(_c.InfraValidator):
  """Model (+ Examples for requests) + ServingSpec -> InfraBlessing (`blessing`), from a real
  tfx_core_model_server on loopback (it speaks TF Serving's API; no Docker needed)."""

  def __init__(self, model=None, serving_spec=None, examples=None, request_spec=None,
               validation_spec=None):
    super().__init__(model=model, serving_spec=serving_spec, examples=examples,
                     request_spec=request_spec, validation_spec=validation_spec)


class Pusher(_c.Pusher):
  """Model (+ ModelBlessing, InfraBlessing) -> a new version under push_destination, and
  PushedModel (`pushed_model`)."""

  def __init__(self, model=None, model_blessing=None, infra_blessing=None,
               push_destination=None, custom_config=None, custom_executor_spec=None):
    _unsupported("Pusher", custom_executor_spec=custom_executor_spec)
    super().__init__(model=model, model_blessing=model_blessing, infra_blessing=infra_blessing,
                     push_destination=push_destination, custom_config=custom_config)


TunerFnResult = _c.TunerFnResult

__all__ = ["BulkInferrer", "CsvExampleGen", "DataAccessor", "Evaluator", "ExampleValidator",
           "FnArgs", "ImportExampleGen", "ImportSchemaGen", "InfraValidator", "Pusher", "SchemaGen",
           "StatisticsGen", "Trainer", "Transform", "Tuner", "TunerFnResult"]
