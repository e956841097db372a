"""serving_bench's Python-based peer: a minimal FastAPI app (run by uvicorn) answering TF
Serving's REST predict (row format, b64 serialized examples) by calling the SavedModel's
signature, as a user would write one. MODEL_DIR names the SavedModel."""

import base64
import os

import tensorflow as tf
from fastapi import FastAPI, Request

_model = tf.saved_model.load(os.environ["MODEL_DIR"])
_signature = _model.signatures["serving_default"]
(_INPUT,) = _signature.structured_input_signature[1]
app = FastAPI()


@app.post("/v1/models/m:predict")
async def predict(request: Request):
  body = await request.json()
  examples = tf.constant([base64.b64decode(i["b64"]) for i in body["instances"]])
  (output,) = _signature(**{_INPUT: examples}).values()
  return {"predictions": output.numpy().tolist()}
