"""The example pipeline: the penguin data ingested, described, given a schema and validated,
and a shifted copy of it checked for training/serving skew.

    bazel run //python:penguin_pipeline -- --pipeline_root=.runs/penguin
    tfx-core-run --pipeline_module=tfx_core.examples.penguin_pipeline --pipeline_root=...

ExampleGen -> StatisticsGen -> SchemaGen -> ExampleValidator
ExampleGen + SchemaGen -> Transform (penguin_transform.preprocessing_fn)
Transform -> Tuner (penguin_trainer.tuner_fn: a KerasTuner random search)
Transform + Tuner -> Trainer (penguin_trainer.run_fn: a Keras MLP with the best
    hyperparameters, exported with the TransformGraph)
ExampleGen(serving) -> StatisticsGen(serving) ----------> ExampleValidator(skew)

Outputs land under the pipeline root, recorded in the metadata store; a second run is served
from the cache. The binary prints where the HTML reports are. `--pipeline_arg=enable_tuning=false`
skips the Tuner: the Trainer then takes penguin_trainer's default hyperparameters.
"""

import os

from tfx_core.components import (ExampleGen, ExampleValidator, SchemaGen, StatisticsGen, Trainer,
                                 Transform, Tuner)
from tfx_core.proto import trainer_pb2
from tfx_core.dsl import Pipeline

HERE = os.path.dirname(os.path.abspath(__file__))
DATA_ROOT = os.path.join(HERE, "data")
# Thresholds for features the inferred schema has no comparator for.
SKEW_THRESHOLDS = {"infinity_norm": 0.01, "jensen_shannon_divergence": 0.01}
TRAIN_STEPS = 200
EVAL_STEPS = 10
TUNER_TRAIN_STEPS = 100  # Per trial: enough to rank the candidates, not to train them.


def create_pipeline(pipeline_root, data_root=None, enable_cache=True, metadata_url=None,
                    enable_tuning=True):
  data_root = data_root or DATA_ROOT
  examples = ExampleGen(input_base=os.path.join(data_root, "penguin"),
                        output_splits={"train": 2, "eval": 1})
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
                    train_args=trainer_pb2.TrainArgs(num_steps=TRAIN_STEPS),
                    eval_args=trainer_pb2.EvalArgs(num_steps=EVAL_STEPS))
  serving = ExampleGen(input_base=os.path.join(data_root, "penguin_skewed"),
                       output_splits={"serving": 1}).with_id("ServingExampleGen")
  serving_statistics = StatisticsGen(
      examples=serving.outputs["examples"]).with_id("ServingStatisticsGen")
  skew = ExampleValidator(statistics=statistics.outputs["statistics"],
                          schema=schema.outputs["schema"],
                          serving_statistics=serving_statistics.outputs["statistics"],
                          exclude_splits=["eval"],
                          default_thresholds=SKEW_THRESHOLDS).with_id("SkewValidator")
  return Pipeline("penguin", pipeline_root,
                  [node for node in (examples, statistics, schema, validator, transform,
                                     tuner, trainer, serving, serving_statistics, skew)
                   if node is not None],
                  enable_cache=enable_cache, metadata_url=metadata_url)
