"""DSL: component specs type-check their arguments, pipelines validate the DAG, and pipelines
compile to the IR."""

import os
import subprocess
import sys

import pytest

from tfx_core.dsl import (Importer, InputArtifact, LatestBlessedModelStrategy, OutputArtifact,
                          OutputDict, Parameter, Pipeline, PipelineError, Resolver,
                          compile_pipeline, component)
from tfx_core.proto import pipeline_pb2 as ppb
from tfx_core.types import Channel, Examples, Model, ModelBlessing, Schema


@component
def Gen(examples: OutputArtifact[Examples], rows: Parameter[int] = 10):
  del examples, rows


@component
def Fit(examples: InputArtifact[Examples], model: OutputArtifact[Model],
        schema: InputArtifact[Schema] = None, rate: Parameter[float] = 0.1) -> OutputDict(
            loss=float):
  del examples, model, schema, rate


def test_spec_errors_name_the_component_and_field():
  gen = Gen()
  with pytest.raises(ValueError, match="Fit is missing its required input 'examples'"):
    Fit()
  with pytest.raises(TypeError, match="Fit input 'examples' expects Examples artifacts but was "
                                      r"given Channel\(Model from Fit.outputs\['model'\]\)"):
    Fit(examples=Fit(examples=gen.outputs["examples"]).outputs["model"])
  with pytest.raises(TypeError, match="Gen parameter 'rows' must be int, got 'ten'"):
    Gen(rows="ten")
  with pytest.raises(TypeError, match="Gen got an unknown argument 'row'"):
    Gen(row=3)
  with pytest.raises(TypeError, match="argument 'x' needs an InputArtifact"):
    component(lambda x: None)
  assert Fit(examples=gen.outputs["examples"], rate=1).exec_properties == {"rate": 1.0}


def test_pipeline_validation():
  gen = Gen()
  fit = Fit(examples=gen.outputs["examples"])
  with pytest.raises(PipelineError, match="two nodes have the id 'Gen'"):
    Pipeline("p", "/tmp/r", [gen, Gen()])
  with pytest.raises(PipelineError, match="Fit input 'examples' comes from node 'Gen', which is "
                                          "not in pipeline p"):
    Pipeline("p", "/tmp/r", [fit])
  other = Gen().with_id("gen2")
  gen.add_upstream_node(other)
  other.add_upstream_node(fit)
  with pytest.raises(PipelineError, match="pipeline p has a cycle: .*Gen.*gen2.*Fit"):
    Pipeline("p", "/tmp/r", [gen, fit, other])
  with pytest.raises(PipelineError, match="pipeline_name"):
    Pipeline("bad name", "/tmp/r", [])
  with pytest.raises(ValueError, match="LatestBlessedModelStrategy needs"):
    Resolver(LatestBlessedModelStrategy, model=Channel(type=Model))


def test_compiles_to_ir_in_topological_order():
  schema = Importer(source_uri="/data/schema", artifact_type=Schema).with_id("schema")
  gen = Gen(rows=5)
  fit = Fit(examples=gen.outputs["examples"], schema=schema.outputs["result"]).with_retries(2, 0.5)
  latest = Resolver(LatestBlessedModelStrategy, model=Channel(type=Model),
                    model_blessing=Channel(type=ModelBlessing)).with_id("latest").with_cache(False)
  ir = compile_pipeline(Pipeline("p", "/tmp/r", [fit, latest, gen, schema], enable_cache=True))
  ids = [n.id for n in ir.nodes]
  assert ids.index("Gen") < ids.index("Fit") and ids.index("schema") < ids.index("Fit")
  nodes = {n.id: n for n in ir.nodes}
  assert nodes["Fit"].inputs["examples"] == ppb.InputSpec(
      producer_node_id="Gen", producer_output_key="examples", artifact_type="Examples")
  assert nodes["Fit"].inputs["schema"].optional
  assert nodes["Fit"].outputs["model"].artifact_type == "Model"
  assert nodes["Fit"].execution_options.max_retries == 2
  assert nodes["Fit"].executor.import_path == "dsl_test:Fit"
  assert nodes["Fit"].executor.source_file.endswith("dsl_test.py")
  assert nodes["Gen"].parameters["rows"] == ppb.Value(int_value=5)
  assert list(nodes["Gen"].downstream_nodes) == ["Fit"]
  assert nodes["schema"].kind == ppb.Node.IMPORTER
  assert nodes["schema"].importer.source_uri == "/data/schema"
  assert nodes["latest"].resolver.strategy == ppb.ResolverConfig.LATEST_BLESSED_MODEL
  assert not nodes["latest"].execution_options.enable_cache
  assert ppb.Pipeline.FromString(ir.SerializeToString()) == ir


def test_split_aware_artifacts():
  examples = Examples()
  examples.uri = "/root/Gen/examples/3"
  examples.split_names = ["train", "eval"]
  assert examples.split_uri("eval") == "/root/Gen/examples/3/Split-eval"
  assert examples.split_names == ["train", "eval"]
  examples.set("span", 4)
  examples.set("note", "hi")
  assert examples.get("span") == 4 and examples.record.custom_properties["note"].string_value == "hi"
  with pytest.raises(TypeError, match="property 'span' of Examples must be INT"):
    examples.set("span", "4")


def test_importing_the_components_does_not_load_tensorflow():
  """Pipeline definitions and --help stay quick: TensorFlow loads only where Transform runs."""
  code = ("import sys, tfx_core.components, tfx_core.orchestration; "
          "print('tensorflow' in sys.modules)")
  result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
  assert result.stdout.strip() == "False"
