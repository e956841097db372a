"""The C++ model server (TF Serving's REST and gRPC APIs) from Python.

`ModelServer` runs `tfx_core_model_server` as a subprocess (free ports, readiness wait, logs,
clean stop); `RestClient` and `GrpcClient` are thin clients of its two APIs;
`write_warmup_file` writes TF Serving's warm-up requests into a SavedModel. Python is only ever
on the client side: the server's request path is C++.
"""

from tfx_core.serving._clients import GrpcClient
from tfx_core.serving._clients import RestClient
from tfx_core.serving._clients import ServingError
from tfx_core.serving._server import ModelServer
from tfx_core.serving._server import server_binary
from tfx_core.serving._warmup import CLASSIFY_METHOD
from tfx_core.serving._warmup import PREDICT_METHOD
from tfx_core.serving._warmup import REGRESS_METHOD
from tfx_core.serving._warmup import WARMUP_FILE
from tfx_core.serving._warmup import prediction_log
from tfx_core.serving._warmup import write_warmup_file

__all__ = ["CLASSIFY_METHOD", "GrpcClient", "ModelServer", "PREDICT_METHOD", "REGRESS_METHOD",
           "RestClient", "ServingError", "WARMUP_FILE", "prediction_log", "server_binary",
           "write_warmup_file"]
