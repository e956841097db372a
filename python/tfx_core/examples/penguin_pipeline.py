"""The example pipeline: the penguin data ingested, described, given a schema and validated,
and a shifted copy of it checked for training/serving skew.

    bazel run //python:penguin_pipeline -- --pipeline_root=.runs/penguin
    tfx-core-run --pipeline_module=tfx_core.examples.penguin_pipeline --pipeline_root=...

ExampleGen -> StatisticsGen -> SchemaGen -> ExampleValidator
ExampleGen + SchemaGen -> Transform (penguin_transform.preprocessing_fn)
Transform -> Tuner (penguin_trainer.tuner_fn: a KerasTuner random search)
Transform + Tuner -> Trainer (penguin_trainer.run_fn: a Keras MLP with the best
    hyperparameters, exported with the TransformGraph)
Trainer + the latest blessed model (a Resolver) -> Evaluator (sparse categorical accuracy
    >= 0.6 and no worse than the baseline's, overall and per species)
Trainer + ExampleGen -> InfraValidator (the model in tfx_core_model_server, queried with 10
    eval examples over gRPC)
Evaluator + InfraValidator -> Pusher (a new version under <pipeline_root>/serving_model when
    both bless it)
ExampleGen(serving) -> StatisticsGen(serving) ----------> ExampleValidator(skew)
ExampleGen(serving) + Trainer + Evaluator -> BulkInferrer (the blessed model's logits for every
    serving row)

Outputs land under the pipeline root, recorded in the metadata store; a second run is served
from the cache. The binary prints where the HTML reports are, the evaluation, the blessings and
the pushed version; then it serves the pushed model with tfx_core_model_server and prints its
answers to a few REST and gRPC requests. `--pipeline_arg=enable_tuning=false` skips the Tuner: the Trainer then takes
penguin_trainer's default hyperparameters. `--pipeline_arg=train_steps=3` trains a worse model,
which the Evaluator's change threshold refuses to bless, so it is not pushed.
"""

import glob
import os

import tfx_core.evaluation as tfma
from tfx_core.components import (BulkInferrer, Evaluator, ExampleGen, ExampleValidator,
                                 InfraValidator, Pusher, SchemaGen, StatisticsGen, Trainer,
                                 Transform, Tuner)
from tfx_core.dsl import LatestBlessedModelStrategy, Pipeline, Resolver
from tfx_core.proto import infra_validator_pb2, pusher_pb2, range_config_pb2, trainer_pb2
from tfx_core.types import Channel, Model, ModelBlessing

HERE = os.path.dirname(os.path.abspath(__file__))
DATA_ROOT = os.path.join(HERE, "data")
# Thresholds for features the inferred schema has no comparator for.
SKEW_THRESHOLDS = {"infinity_norm": 0.01, "jensen_shannon_divergence": 0.01}
TRAIN_STEPS = 200
EVAL_STEPS = 10
TUNER_TRAIN_STEPS = 100  # Per trial: enough to rank the candidates, not to train them.
ACCURACY_THRESHOLD = 0.6
SERVING_MODEL_DIR = "serving_model"  # Under the pipeline root: where the Pusher writes versions.
MODEL_NAME = "penguin"  # What requests to the model server call the model.
REQUEST_LOG_DIR = "request_logs"  # Under the pipeline root: the server's logged requests.


def eval_config(accuracy_threshold=ACCURACY_THRESHOLD):
  """TFX's penguin EvalConfig (its pipeline file's, unchanged but for the import), with a
  slice per species (the bundled processed data has no island column to slice by)."""
  return tfma.EvalConfig(
      model_specs=[tfma.ModelSpec(signature_name="serving_default", label_key="species")],
      slicing_specs=[tfma.SlicingSpec(), tfma.SlicingSpec(feature_keys=["species"])],
      metrics_specs=[
          tfma.MetricsSpec(metrics=[
              tfma.MetricConfig(class_name="ExampleCount"),
              tfma.MetricConfig(
                  class_name="SparseCategoricalAccuracy",
                  threshold=tfma.MetricThreshold(
                      value_threshold=tfma.GenericValueThreshold(
                          lower_bound={"value": accuracy_threshold}),
                      # Ignored on the first run, when no model was blessed yet.
                      change_threshold=tfma.GenericChangeThreshold(
                          direction=tfma.MetricDirection.HIGHER_IS_BETTER,
                          absolute={"value": -1e-10})))
          ])
      ])


def create_pipeline(pipeline_root, data_root=None, enable_cache=True, metadata_url=None,
                    enable_tuning=True, train_steps=TRAIN_STEPS, input_pattern=None):
  """input_pattern: read `<data_root>/penguin/<input_pattern>` over every span (e.g.
  "span-{SPAN}/*", as the continuous loop adds spans) instead of the folder's files."""
  data_root = data_root or DATA_ROOT
  spans = {}
  if input_pattern:  # Every span so far (TFX's RollingRange over "all" of them).
    spans = {"input_pattern": input_pattern, "range_config": range_config_pb2.RangeConfig(
        rolling_range=range_config_pb2.RollingRange(num_spans=1_000_000))}
  examples = ExampleGen(input_base=os.path.join(data_root, "penguin"),
                        output_splits={"train": 2, "eval": 1}, **spans)
  statistics = StatisticsGen(examples=examples.outputs["examples"])
  schema = SchemaGen(statistics=statistics.outputs["statistics"])
  validator = ExampleValidator(statistics=statistics.outputs["statistics"],
                               schema=schema.outputs["schema"])
  transform = Transform(examples=examples.outputs["examples"], schema=schema.outputs["schema"],
                        module_file=os.path.join(HERE, "penguin_transform.py"))
  trainer_module = os.path.join(HERE, "penguin_trainer.py")
  tuner = None
  if enable_tuning:
    tuner = Tuner(examples=transform.outputs["transformed_examples"],
                  transform_graph=transform.outputs["transform_graph"],
                  module_file=trainer_module,
                  train_args=trainer_pb2.TrainArgs(num_steps=TUNER_TRAIN_STEPS),
                  eval_args=trainer_pb2.EvalArgs(num_steps=EVAL_STEPS))
  trainer = Trainer(examples=transform.outputs["transformed_examples"],
                    transform_graph=transform.outputs["transform_graph"],
                    hyperparameters=tuner.outputs["best_hyperparameters"] if tuner else None,
                    module_file=trainer_module,
                    train_args=trainer_pb2.TrainArgs(num_steps=train_steps),
                    eval_args=trainer_pb2.EvalArgs(num_steps=EVAL_STEPS))
  baseline = Resolver(strategy_class=LatestBlessedModelStrategy,
                      model=Channel(type=Model),
                      model_blessing=Channel(type=ModelBlessing)).with_id(
                          "latest_blessed_model_resolver")
  evaluator = Evaluator(examples=examples.outputs["examples"], model=trainer.outputs["model"],
                        baseline_model=baseline.outputs["model"], eval_config=eval_config())
  infra_validator = InfraValidator(
      model=trainer.outputs["model"], examples=examples.outputs["examples"],
      serving_spec=infra_validator_pb2.ServingSpec(
          tensorflow_serving=infra_validator_pb2.TensorFlowServing(tags=["latest"]),
          local_docker=infra_validator_pb2.LocalDockerConfig(), model_name=MODEL_NAME),
      request_spec=infra_validator_pb2.RequestSpec(
          tensorflow_serving=infra_validator_pb2.TensorFlowServingRequestSpec(),
          num_examples=10))
  pusher = Pusher(model=trainer.outputs["model"], model_blessing=evaluator.outputs["blessing"],
                  infra_blessing=infra_validator.outputs["blessing"],
                  push_destination=pusher_pb2.PushDestination(
                      filesystem=pusher_pb2.PushDestination.Filesystem(
                          base_directory=os.path.join(str(pipeline_root), SERVING_MODEL_DIR))))
  serving = ExampleGen(input_base=os.path.join(data_root, "penguin_skewed"),
                       output_splits={"serving": 1}).with_id("ServingExampleGen")
  serving_statistics = StatisticsGen(
      examples=serving.outputs["examples"]).with_id("ServingStatisticsGen")
  skew = ExampleValidator(statistics=statistics.outputs["statistics"],
                          schema=schema.outputs["schema"],
                          serving_statistics=serving_statistics.outputs["statistics"],
                          exclude_splits=["eval"],
                          default_thresholds=SKEW_THRESHOLDS).with_id("SkewValidator")
  bulk_inferrer = BulkInferrer(examples=serving.outputs["examples"],
                               model=trainer.outputs["model"],
                               model_blessing=evaluator.outputs["blessing"])
  return Pipeline("penguin", pipeline_root,
                  [node for node in (examples, statistics, schema, validator, transform,
                                     tuner, trainer, baseline, evaluator, infra_validator,
                                     pusher, serving,
                                     serving_statistics, skew, bulk_inferrer)
                   if node is not None],
                  enable_cache=enable_cache, metadata_url=metadata_url)


def after_run(pipeline_root, data_root=None):
  """Serves the pushed model and prints its answers to a few REST and gRPC requests.

  The server logs them (requests and answers) under REQUEST_LOG_DIR, as Parquet.
  """
  import base64  # pylint: disable=import-outside-toplevel
  import csv  # pylint: disable=import-outside-toplevel

  import numpy as np  # pylint: disable=import-outside-toplevel
  import tensorflow as tf  # pylint: disable=import-outside-toplevel

  from tfx_core import serving  # pylint: disable=import-outside-toplevel
  base = os.path.join(str(pipeline_root), SERVING_MODEL_DIR)
  if not os.path.isdir(base) or not any(name.isdigit() for name in os.listdir(base)):
    print("serving: no pushed model under %s" % base)
    return
  with open(os.path.join(data_root or DATA_ROOT, "penguin", "penguins_processed.csv")) as f:
    rows = [row for _, row in zip(range(3), csv.DictReader(f))]
  examples = []
  for row in rows:
    example = tf.train.Example()
    for name, value in row.items():
      if name != "species":
        example.features.feature[name].float_list.value.append(float(value))
    examples.append(example.SerializeToString())
  log_dir = os.path.join(str(pipeline_root), REQUEST_LOG_DIR)
  with serving.ModelServer(base, model_name=MODEL_NAME,
                           flags={"request_log_dir": log_dir}) as server:
    rest = serving.RestClient(server.rest_url, MODEL_NAME)
    version = rest.status()["model_version_status"][0]["version"]
    print("serving: %s version %s on REST %s and gRPC %s" % (
        MODEL_NAME, version, server.rest_url, server.grpc_target))
    answers = rest.predict(instances=[{"b64": base64.b64encode(e).decode()} for e in examples])
    try:
      grpc = serving.GrpcClient(server.grpc_target, MODEL_NAME)
    except ImportError as e:  # The gRPC client is optional.
      grpc_answers = [None] * len(rows)
      print("serving: gRPC skipped: %s" % e)
    else:
      (alias,) = grpc.metadata().signature_def["serving_default"].inputs
      (grpc_answers,) = grpc.predict_arrays({alias: np.array(examples, dtype=object)}).values()
      grpc_answers = [np.round(a.astype(np.float64), 3).tolist() for a in grpc_answers]
      grpc.close()
    for row, rest_answer, grpc_answer in zip(rows, answers["predictions"], grpc_answers):
      print("serving: species %s -> REST %s, gRPC %s" % (
          row["species"], np.round(rest_answer, 3).tolist(), grpc_answer))
  # Stopping the server published its request log.
  import pyarrow.parquet as pq  # pylint: disable=import-outside-toplevel
  files = sorted(glob.glob(os.path.join(log_dir, MODEL_NAME, "*.parquet")))
  if files:
    print("serving: request log: %d examples in %s" % (pq.read_metadata(files[-1]).num_rows,
                                                      files[-1]))
