"""The C++ model server (TF Serving's REST and gRPC APIs) from Python.

`ModelServer` runs `tfx_core_model_server` as a subprocess (free ports, readiness wait, logs,
clean stop); `RestClient` and `GrpcClient` are thin clients of its two APIs. Python is only
ever on the client side: the server's request path is C++.
"""

from tfx_core.serving._clients import GrpcClient
from tfx_core.serving._clients import RestClient
from tfx_core.serving._clients import ServingError
from tfx_core.serving._server import ModelServer
from tfx_core.serving._server import server_binary

__all__ = ["GrpcClient", "ModelServer", "RestClient", "ServingError", "server_binary"]
