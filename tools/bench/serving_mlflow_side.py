"""serving_bench's MLflow peer: the SavedModel wrapped as an MLflow pyfunc model, which
`mlflow models serve` then serves (its scoring server takes TF Serving's `instances` and
makes a "b64" column of `{"b64": ...}`).

    python serving_mlflow_side.py SAVED_MODEL_DIR MLFLOW_MODEL_DIR   # writes the pyfunc model
"""

import base64
import sys

import mlflow.pyfunc


class SavedModelSignature(mlflow.pyfunc.PythonModel):

  def load_context(self, context):
    import tensorflow as tf  # pylint: disable=import-outside-toplevel
    self.signature = tf.saved_model.load(
        context.artifacts["saved_model"]).signatures["serving_default"]
    (self.input,) = self.signature.structured_input_signature[1]

  def predict(self, context, model_input, params=None):
    import tensorflow as tf  # pylint: disable=import-outside-toplevel
    # MLflow turns `instances` of {"b64": ...} into a DataFrame column "b64" of the base64 text.
    examples = tf.constant([base64.b64decode(v) for v in model_input["b64"]])
    (output,) = self.signature(**{self.input: examples}).values()
    return output.numpy()


if __name__ == "__main__":
  saved_model, out = sys.argv[1:3]
  mlflow.pyfunc.save_model(out, python_model=SavedModelSignature(),
                           artifacts={"saved_model": saved_model})
