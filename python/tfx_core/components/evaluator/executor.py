"""Evaluator's executor: TFMA's outputs (eval_config.json, metrics, plots and validations as
TFRecords of their protos, report.html) and TFX's ModelBlessing (BLESSED / NOT_BLESSED)."""

import dataclasses
import json
import logging
import os

from google.protobuf import json_format

from tfx_core import __version__
from tfx_core import evaluation as tfma
from tfx_core.dsl import BaseExecutor
from tfx_core.proto import eval_config_pb2

log = logging.getLogger("tfx_core.components.Evaluator")

CANDIDATE, BASELINE = "candidate", "baseline"  # TFMA's model names with a baseline.
_VERSION = "tfx_core " + __version__


def _with_models(eval_config, has_baseline, fairness_thresholds):
  """TFMA's update_eval_config_with_defaults: one ModelSpec becomes a candidate and, with a
  baseline model, a copy of it marked is_baseline; a baseline spec without a baseline model
  (the first run) is dropped."""
  config = eval_config_pb2.EvalConfig()
  config.CopyFrom(eval_config)
  specs = [s for s in config.model_specs if not s.is_baseline]
  if len(specs) > 1:
    raise ValueError("EvalConfig.model_specs: one candidate model (and an optional baseline), "
                     "got %d candidates" % len(specs))
  candidate = specs[0] if specs else eval_config_pb2.ModelSpec()
  baseline = [s for s in config.model_specs if s.is_baseline]
  del config.model_specs[:]
  if has_baseline:
    config.model_specs.add().CopyFrom(candidate)
    config.model_specs[0].name = candidate.name or CANDIDATE
    base = config.model_specs.add()
    base.CopyFrom(baseline[0] if baseline else candidate)
    base.name, base.is_baseline = (baseline[0].name if baseline and baseline[0].name
                                   else BASELINE), True
  else:
    config.model_specs.add().CopyFrom(candidate)
  if fairness_thresholds:
    config.metrics_specs.add().metrics.add(
        class_name="FairnessIndicators",
        config=json.dumps({"thresholds": [float(t) for t in fairness_thresholds]}))
  return config


def _write_records(path, protos):
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  with tf.io.TFRecordWriter(path) as writer:
    for proto in protos:
      writer.write(proto.SerializeToString(deterministic=True))


def summary(result, validation, candidate):
  """The verdict, then the overall slice's metrics (and their changes), a line each."""
  lines = ["%s%s" % ("BLESSED" if validation.validation_ok else "NOT BLESSED",
                     " (rubber stamp: no baseline yet)" if validation.rubber_stamp and
                     validation.validation_ok else "")]
  overall = result.slice(tfma.OVERALL)
  for key in sorted(overall.metrics):
    if key.model_name == candidate and not key.is_diff:
      diff = overall.metrics.get(dataclasses.replace(key, is_diff=True))
      lines.append("  %s = %.6g%s" % (key, overall.metrics[key],
                                      "" if diff is None else " (%+.6g vs baseline)" % diff))
  return "\n".join(lines)


class EvaluatorExecutor(BaseExecutor):

  def Do(self, input_dict, output_dict, exec_properties):
    examples = input_dict["examples"][0]
    model = (input_dict.get("model") or [None])[0]
    baseline = (input_dict.get("baseline_model") or [None])[0]
    if exec_properties.get("eval_config") is None:
      raise ValueError("Evaluator: eval_config is required (a tfx_core.evaluation.EvalConfig)")
    config = _with_models(exec_properties["eval_config"], baseline is not None,
                          exec_properties.get("fairness_indicator_thresholds"))
    splits = exec_properties.get("example_splits") or ["eval"]
    missing = [s for s in splits if s not in examples.split_names]
    if missing:
      raise ValueError("Evaluator: example_splits %s not in the examples; they have %s" % (
          missing, examples.split_names))
    candidate = config.model_specs[0].name
    model_dirs = {}
    if model is not None:
      model_dirs[candidate] = model.serving_model_dir
    if baseline is not None:
      model_dirs[config.model_specs[1].name] = baseline.serving_model_dir
    self.context.raise_if_cancelled()
    result = tfma.evaluate_examples(
        config, [examples.file_pattern(s) for s in splits], model_dirs,
        batch_size=exec_properties.get("batch_size") or tfma.DEFAULT_BATCH_SIZE)
    self.context.raise_if_cancelled()
    rubber_stamp = baseline is None
    validation = tfma.validate(config, result, candidate, rubber_stamp)

    evaluation = output_dict["evaluation"][0]
    os.makedirs(evaluation.uri, exist_ok=True)
    # No absolute paths in the outputs: equal evaluations are equal files wherever the pipeline
    # root is (content fingerprints, the cache); lineage in the metadata store says which data
    # and models they were.
    run = eval_config_pb2.EvalRun(eval_config=config, version=_VERSION,
                                  data_location=",".join("Split-" + s for s in splits),
                                  file_format="parquet")
    with open(evaluation.path(evaluation.EVAL_CONFIG_FILE), "w") as f:
      f.write(json_format.MessageToJson(run, sort_keys=True))
    _write_records(evaluation.path(evaluation.METRICS_FILE), result.metrics_for_slice())
    _write_records(evaluation.path(evaluation.PLOTS_FILE), result.plots_for_slice())
    _write_records(evaluation.path(evaluation.VALIDATIONS_FILE), [validation])
    with open(evaluation.path(evaluation.REPORT_FILE), "w") as f:
      f.write(tfma.evaluation_html(result, validation, candidate, subtitle="split%s %s%s" % (
          "s" if len(splits) > 1 else "", ", ".join(splits), examples.data_label())))
    text = summary(result, validation, candidate)
    evaluation.set("summary", text)

    blessing = output_dict["blessing"][0]
    os.makedirs(blessing.uri, exist_ok=True)
    verdict = blessing.BLESSED_FILE if validation.validation_ok else blessing.NOT_BLESSED_FILE
    with open(os.path.join(blessing.uri, verdict), "w"):
      pass
    blessing.set("blessed", int(validation.validation_ok))
    if model is not None:
      blessing.set("current_model_id", model.id)
      blessing.set("current_model", model.uri)
    if baseline is not None:
      blessing.set("baseline_model_id", baseline.id)
      blessing.set("baseline_model", baseline.uri)
    blessing.set("failed_thresholds", json.dumps(tfma.failures_text(validation)))
    log.info("evaluation of %d examples, %d slices: %s", result.slice(tfma.OVERALL).example_count,
             len(result.slices), text)
