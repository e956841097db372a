"""Generated protobuf modules (built from proto/ at build time; never checked in).

schema_pb2, statistics_pb2 and anomalies_pb2 use tensorflow_metadata v0's message, field and
enum names and numbers under the package `tfx_core.v0`.
"""
