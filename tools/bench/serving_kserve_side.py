"""serving_bench's KServe peer: KServe's Python ModelServer (its V1 protocol is TF Serving's REST
API) with a kserve.Model calling the SavedModel's signature, as KServe's custom-model guide
writes one. MODEL_DIR names the SavedModel, PORT the HTTP port, WORKERS the worker processes."""

import base64
import os

import kserve
import tensorflow as tf


class SavedModelSignature(kserve.Model):

  def __init__(self, name):
    super().__init__(name)
    self.signature = None
    self.input = None
    # Loaded in each worker process on first use: with several workers KServe pickles the
    # model into them, and a loaded SavedModel does not pickle.
    self.ready = True

  def load(self):
    self.signature = tf.saved_model.load(os.environ["MODEL_DIR"]).signatures["serving_default"]
    (self.input,) = self.signature.structured_input_signature[1]
    return True

  def predict(self, payload, headers=None, response_headers=None):
    if self.signature is None:
      self.load()
    examples = tf.constant([base64.b64decode(i["b64"]) for i in payload["instances"]])
    (output,) = self.signature(**{self.input: examples}).values()
    return {"predictions": output.numpy().tolist()}


if __name__ == "__main__":
  kserve.ModelServer(http_port=int(os.environ["PORT"]), workers=int(os.environ["WORKERS"]),
                     enable_grpc=False, enable_latency_logging=False).start([SavedModelSignature("m")])
