"""serving_bench's BentoML peer: a BentoML service whose API calls the SavedModel's signature on
TF Serving's REST predict body (`bentoml serve serving_bentoml_side:SavedModelService`).
MODEL_DIR names the SavedModel, WORKERS the worker processes."""

import base64
import os

import bentoml
import tensorflow as tf


# No per-request access log, as for every server in the bench.
@bentoml.service(workers=int(os.environ.get("WORKERS", "1")),
                 logging={"access": {"enabled": False}})
class SavedModelService:

  def __init__(self):
    self.signature = tf.saved_model.load(os.environ["MODEL_DIR"]).signatures["serving_default"]
    (self.input,) = self.signature.structured_input_signature[1]

  @bentoml.api
  def predict(self, instances: list) -> dict:
    examples = tf.constant([base64.b64decode(i["b64"]) for i in instances])
    (output,) = self.signature(**{self.input: examples}).values()
    return {"predictions": output.numpy().tolist()}
