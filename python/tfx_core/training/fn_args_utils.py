"""TFX's FnArgs and DataAccessor, and the common part of the Trainer's and Tuner's arguments
(TFX's module of the same name)."""

import dataclasses
import json
import os
import warnings
from typing import Any, Callable, Dict, List, NamedTuple, Optional

import pyarrow.parquet as pq

from tfx_core import tfxio
from tfx_core.proto import trainer_pb2


class DataAccessor(NamedTuple):
  """TFX's DataAccessor: how run_fn reads the examples, whatever their format on disk."""
  tf_dataset_factory: Callable
  record_batch_factory: Callable
  data_view_decode_fn: Optional[Callable] = None


# Keras 3 warns on every fit over a tf.data.Dataset that its default shuffle=True is ignored;
# the DataAccessor's datasets are shuffled already (TensorFlowDatasetOptions.shuffle).
warnings.filterwarnings("ignore", category=UserWarning,
                        message="`shuffle=True` was passed, but will be ignored")

DATA_ACCESSOR = DataAccessor(tf_dataset_factory=tfxio.tf_dataset,
                             record_batch_factory=tfxio.record_batches)


@dataclasses.dataclass
class FnArgs:
  """TFX's FnArgs: the arguments of run_fn and tuner_fn, under TFX's field names."""
  working_dir: Optional[str] = None
  train_files: Optional[List[str]] = None
  eval_files: Optional[List[str]] = None
  train_steps: Optional[int] = None
  eval_steps: Optional[int] = None
  schema_path: Optional[str] = None
  schema_file: Optional[str] = None           # TFX's deprecated name of schema_path.
  transform_graph_path: Optional[str] = None
  transform_output: Optional[str] = None      # TFX's deprecated name of transform_graph_path.
  data_accessor: Optional[DataAccessor] = None
  serving_model_dir: Optional[str] = None
  eval_model_dir: Optional[str] = None
  model_run_dir: Optional[str] = None
  base_model: Optional[str] = None
  hyperparameters: Optional[Dict[str, Any]] = None
  custom_config: Optional[Dict[str, Any]] = None


def fn_args_to_json(fn_args):
  """FnArgs as a JSON-able dict, for a worker process (the data accessor is implied)."""
  return {field.name: getattr(fn_args, field.name) for field in dataclasses.fields(fn_args)
          if field.name != "data_accessor"}


def fn_args_from_json(values):
  return FnArgs(data_accessor=DATA_ACCESSOR, **values)


def _steps(component, args, name):
  # proto3 cannot tell 0 from unset: both mean "no limit given" (None), as in TFX.
  if args.num_steps < 0:
    raise ValueError("%s: %s.num_steps must be > 0 (or unset), got %d" % (
        component, name, args.num_steps))
  return args.num_steps or None


def _split_files(component, examples, splits, what):
  """[<split>/*] for each split, as TFX gives train_files / eval_files; a split that is not in
  the examples or holds no rows is an error naming it."""
  patterns = []
  for split in splits:
    if split not in examples.split_names:
      raise ValueError("%s: %s split %r is not in the examples (%s)" % (
          component, what, split, ", ".join(examples.split_names)))
    directory = examples.split_uri(split)
    rows = sum(pq.ParquetFile(os.path.join(directory, name)).metadata.num_rows
               for name in sorted(os.listdir(directory)) if not name.startswith("."))
    if not rows:
      raise ValueError("%s: the %s split %r holds no examples (%s)" % (
          component, what, split, directory))
    patterns.append(os.path.join(directory, "*"))
  return patterns


def get_common_fn_args(component, input_dict, exec_properties, working_dir=None):
  """The FnArgs a Trainer and a Tuner both give: files of the train and eval splits (default
  'train' and 'eval'), steps, schema, transform graph, data accessor, custom_config."""
  train_args = exec_properties.get("train_args") or trainer_pb2.TrainArgs()
  eval_args = exec_properties.get("eval_args") or trainer_pb2.EvalArgs()
  examples = input_dict["examples"][0]
  schema = (input_dict.get("schema") or [None])[0]
  transform_graph = (input_dict.get("transform_graph") or [None])[0]
  schema_path = schema.schema_path if schema is not None else None
  transform_graph_path = transform_graph.uri if transform_graph is not None else None
  custom_config = exec_properties.get("custom_config")
  if isinstance(custom_config, str):
    custom_config = json.loads(custom_config)
  return FnArgs(
      working_dir=working_dir,
      train_files=_split_files(component, examples, list(train_args.splits) or ["train"],
                               "train"),
      eval_files=_split_files(component, examples, list(eval_args.splits) or ["eval"], "eval"),
      train_steps=_steps(component, train_args, "train_args"),
      eval_steps=_steps(component, eval_args, "eval_args"),
      schema_path=schema_path, schema_file=schema_path,
      transform_graph_path=transform_graph_path, transform_output=transform_graph_path,
      data_accessor=DATA_ACCESSOR,
      custom_config=custom_config)
