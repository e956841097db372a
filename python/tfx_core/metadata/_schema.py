"""The metadata store's tables and their forward migrations.

`MIGRATIONS[i]` takes a database from schema version i to i + 1. A database records its version
in `schema_version`; opening it runs the missing migrations in one transaction, and a database
newer than this code is refused rather than misread.
"""

import sqlalchemy as sa

metadata = sa.MetaData()

schema_version = sa.Table("schema_version", metadata, sa.Column("version", sa.Integer, nullable=False))

# kind: 1 artifact, 2 execution, 3 context (tfx_core.metadata.Type.Kind).
types = sa.Table(
    "types", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("kind", sa.SmallInteger, nullable=False),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("version", sa.String(255), nullable=False),
    sa.Column("properties_json", sa.Text, nullable=False),
    sa.UniqueConstraint("kind", "name", name="uq_types_kind_name"),
)


def _node_table(name, *columns):
  return sa.Table(
      name, metadata,
      sa.Column("id", sa.Integer, primary_key=True),
      sa.Column("type_id", sa.Integer, sa.ForeignKey("types.id"), nullable=False, index=True),
      *columns,
      sa.Column("create_time_ms", sa.BigInteger, nullable=False),
      sa.Column("update_time_ms", sa.BigInteger, nullable=False),
  )


def _property_table(name, owner):
  return sa.Table(
      name, metadata,
      sa.Column("owner_id", sa.Integer, sa.ForeignKey(owner + ".id"), primary_key=True),
      sa.Column("name", sa.String(255), primary_key=True),
      sa.Column("is_custom", sa.Boolean, primary_key=True),
      sa.Column("int_value", sa.BigInteger),
      sa.Column("double_value", sa.Float(precision=53)),
      sa.Column("string_value", sa.Text),
  )


artifacts = _node_table(
    "artifacts",
    sa.Column("uri", sa.Text, nullable=False),
    sa.Column("name", sa.String(255)),
    sa.Column("state", sa.SmallInteger, nullable=False),
)
executions = _node_table(
    "executions",
    sa.Column("name", sa.String(255)),
    sa.Column("state", sa.SmallInteger, nullable=False),
)
contexts = _node_table(
    "contexts",
    sa.Column("name", sa.String(255), nullable=False),
    sa.UniqueConstraint("type_id", "name", name="uq_contexts_type_name"),
)
artifact_properties = _property_table("artifact_properties", "artifacts")
execution_properties = _property_table("execution_properties", "executions")
context_properties = _property_table("context_properties", "contexts")

events = sa.Table(
    "events", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("artifact_id", sa.Integer, sa.ForeignKey("artifacts.id"), nullable=False, index=True),
    sa.Column("execution_id", sa.Integer, sa.ForeignKey("executions.id"), nullable=False, index=True),
    sa.Column("type", sa.SmallInteger, nullable=False),
    sa.Column("key", sa.String(255), nullable=False),
    sa.Column("idx", sa.Integer, nullable=False),
    sa.Column("time_ms", sa.BigInteger, nullable=False),
)
attributions = sa.Table(
    "attributions", metadata,
    sa.Column("context_id", sa.Integer, sa.ForeignKey("contexts.id"), primary_key=True),
    sa.Column("artifact_id", sa.Integer, sa.ForeignKey("artifacts.id"), primary_key=True, index=True),
)
associations = sa.Table(
    "associations", metadata,
    sa.Column("context_id", sa.Integer, sa.ForeignKey("contexts.id"), primary_key=True),
    sa.Column("execution_id", sa.Integer, sa.ForeignKey("executions.id"), primary_key=True,
              index=True),
)

# Added by migration 2: property lookups by name and value (artifacts by span, executions by
# cache key) and artifacts by state (retention) without scanning. Plain DDL, so that
# version 1's tables (created from the declarations above) do not carry them.
_V2_INDEXES = [
    "CREATE INDEX ix_artifact_properties_name_int ON artifact_properties (name, int_value)",
    "CREATE INDEX ix_execution_properties_name ON execution_properties (name, owner_id)",
    "CREATE INDEX ix_artifacts_state ON artifacts (state)",
]


def _migrate_to_1(conn):
  metadata.create_all(conn)


def _migrate_to_2(conn):
  for ddl in _V2_INDEXES:
    conn.exec_driver_sql(ddl)


MIGRATIONS = [_migrate_to_1, _migrate_to_2]
LATEST_VERSION = len(MIGRATIONS)
