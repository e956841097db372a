"""`tfx.v1.orchestration.metadata`: where a pipeline's metadata lives.

TFX returns an ml-metadata ConnectionConfig proto; tfx_core's store takes a URL, so these
return the URL, which Pipeline(metadata_connection_config=...) and LocalDagRunner accept.
"""

import os


def sqlite_metadata_connection_config(metadata_db_uri):
  """The SQLite file at metadata_db_uri (created on first use, with its folder)."""
  return "sqlite:///" + os.path.abspath(metadata_db_uri)


def postgresql_metadata_connection_config(host, port, username, database, password=""):
  auth = username + (":" + password if password else "")
  return "postgresql://%s@%s:%d/%s" % (auth, host, int(port), database)


__all__ = ["postgresql_metadata_connection_config", "sqlite_metadata_connection_config"]
