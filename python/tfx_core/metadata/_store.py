"""MetadataStore: artifacts, executions, events and contexts in SQLite or PostgreSQL.

Every write is one transaction. On SQLite the store runs in WAL mode with synchronous=NORMAL:
a committed transaction survives a crash of the writing process (not a power cut; pass
`sqlite_synchronous="FULL"` for that), and writers from other processes wait on the database
lock (BEGIN IMMEDIATE) instead of failing. On PostgreSQL, get-or-create of types and contexts
uses ON CONFLICT so concurrent writers never trip over each other's names.
"""

import contextlib
import json
import os
import sqlite3
import time

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect

from tfx_core.metadata import _schema as s
from tfx_core.proto import metadata_pb2 as mpb

ARTIFACT, EXECUTION, CONTEXT = mpb.Type.ARTIFACT, mpb.Type.EXECUTION, mpb.Type.CONTEXT
_KIND_NAMES = {ARTIFACT: "artifact", EXECUTION: "execution", CONTEXT: "context"}
_TABLES = {ARTIFACT: (s.artifacts, s.artifact_properties),
           EXECUTION: (s.executions, s.execution_properties),
           CONTEXT: (s.contexts, s.context_properties)}
_MESSAGES = {ARTIFACT: mpb.Artifact, EXECUTION: mpb.Execution, CONTEXT: mpb.Context}
LOCK_CONTEXT_TYPE = "Lock"  # acquire_lock's records: one context per lock name.
_CHUNK = 5000  # Ids per IN (...) list: below every backend's bound-parameter limit.


class MetadataStoreError(RuntimeError):
  """The store cannot be opened: the message names the database and what to do."""


class SchemaVersionError(MetadataStoreError):
  """The database was written by a newer tfx_core."""


def now_ms():
  return time.time_ns() // 1_000_000


def engine_url(url):
  """Accepts an SQLAlchemy URL, a `postgresql://` URL (psycopg 3 is used) or a SQLite file path."""
  if "://" not in url:
    return "sqlite:///" + os.path.abspath(url)
  if url.startswith(("postgresql://", "postgres://")):
    return "postgresql+psycopg://" + url.split("://", 1)[1]
  return url


def _value_tuple(value):
  kind = value.WhichOneof("value")
  return (value.int_value if kind == "int_value" else None,
          value.double_value if kind == "double_value" else None,
          value.string_value if kind == "string_value" else None)


def _value_columns(value):
  return dict(zip(("int_value", "double_value", "string_value"), _value_tuple(value)))


def to_value(python_value):
  """A Python int, float or str as a Value proto."""
  value = mpb.Value()
  if isinstance(python_value, int):  # bool included, stored as 0/1.
    value.int_value = int(python_value)
  elif isinstance(python_value, float):
    value.double_value = python_value
  elif isinstance(python_value, str):
    value.string_value = python_value
  else:
    raise TypeError("a metadata property must be int, float or str, got %r" % (python_value,))
  return value


def from_value(value):
  kind = value.WhichOneof("value")
  return None if kind is None else getattr(value, kind)


class MetadataStore:
  """A metadata store at `url` (SQLAlchemy URL, `postgresql://...`, or a SQLite file path).

  Opening creates the schema, or migrates an older one forward, in one transaction.
  """

  def __init__(self, url, sqlite_synchronous="NORMAL"):
    self.url = engine_url(url)
    self._sqlite = self.url.startswith("sqlite")
    if self._sqlite:
      path = sa.engine.make_url(self.url).database
      if not path or path == ":memory:":
        raise ValueError("in-memory SQLite (%s) is not supported: every thread would see its "
                         "own empty database; use a file, e.g. sqlite:///metadata.sqlite" % url)
      os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
      self._engine = sa.create_engine(self.url, connect_args={"timeout": 60})
      self._install_sqlite_hooks(sqlite_synchronous)
      self._insert = sqlite_dialect.insert
    else:
      self._engine = sa.create_engine(self.url, pool_pre_ping=True)
      self._insert = pg_dialect.insert
    self._mark = "?" if self._sqlite else "%s"  # The driver's paramstyle, for raw SQL.
    self._types = {}  # (kind, name) -> mpb.Type
    self._type_names = {}  # id -> name
    try:
      self._migrate()
    except (sa.exc.DatabaseError, sa.exc.InterfaceError,
            self._engine.dialect.loaded_dbapi.Error) as e:
      self._engine.dispose()
      raise MetadataStoreError(_open_failure(self.url, self._sqlite, e)) from None

  def _install_sqlite_hooks(self, synchronous):
    # pysqlite's own transaction handling defers BEGIN and cannot take the write lock up
    # front; take control of BEGIN (SQLAlchemy's documented recipe) and use IMMEDIATE for
    # writes so two writers queue on the lock instead of deadlocking on upgrade.
    @sa.event.listens_for(self._engine, "connect")
    def _connect(dbapi_connection, _):
      dbapi_connection.isolation_level = None
      cursor = dbapi_connection.cursor()
      cursor.execute("PRAGMA busy_timeout=60000")
      _enable_wal(cursor)
      cursor.execute("PRAGMA synchronous=" + synchronous)
      cursor.close()

    @sa.event.listens_for(self._engine, "begin")
    def _begin(conn):
      _raw(conn, "BEGIN IMMEDIATE" if conn.get_execution_options().get("tfx_core_write")
           else "BEGIN")

  @contextlib.contextmanager
  def _transaction(self, write=True):
    with self._engine.connect() as conn:
      conn.execution_options(tfx_core_write=write)
      with conn.begin():
        yield conn

  def close(self):
    self._engine.dispose()

  # ---------------------------------------------------------------- schema

  def _migrate(self):
    with self._transaction() as conn:
      if not self._sqlite:
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(727100)"))  # One migrator at a time.
      version = self.schema_version(conn)
      if version > s.LATEST_VERSION:
        raise SchemaVersionError(
            "metadata database %s has schema version %d, newer than this tfx_core's %d; "
            "upgrade tfx_core to use it" % (self.url, version, s.LATEST_VERSION))
      for migration in s.MIGRATIONS[version:]:
        migration(conn)
      if version < s.LATEST_VERSION:
        conn.execute(s.schema_version.delete())
        conn.execute(s.schema_version.insert().values(version=s.LATEST_VERSION))

  def schema_version(self, conn=None):
    """The database's schema version (0 for an empty database)."""
    if conn is None:
      with self._transaction(write=False) as conn:
        return self.schema_version(conn)
    if not sa.inspect(conn).has_table("schema_version"):
      return 0
    return conn.execute(sa.select(s.schema_version.c.version)).scalar_one()

  # ---------------------------------------------------------------- types

  def put_type(self, kind, name, properties=None, version=""):
    """Registers a type (idempotent) and returns it. Properties may be added to an existing
    type; changing a declared property's type is an error."""
    properties = dict(properties or {})
    cached = self._types.get((kind, name))
    if cached is not None and all(cached.properties.get(k) == v for k, v in properties.items()):
      return cached
    with self._transaction() as conn:
      conn.execute(self._insert(s.types).values(
          kind=kind, name=name, version=version,
          properties_json=json.dumps(properties, sort_keys=True)).on_conflict_do_nothing())
      # FOR UPDATE (PostgreSQL): concurrent writers adding properties must not overwrite each
      # other's; SQLite's BEGIN IMMEDIATE already serializes them.
      row = conn.execute(sa.select(s.types).where(s.types.c.kind == kind, s.types.c.name == name)
                         .with_for_update()).one()
      declared = json.loads(row.properties_json)
      for prop, ptype in properties.items():
        if prop in declared and declared[prop] != ptype:
          raise ValueError("%s type %r declares property %r as %s; cannot redeclare it as %s" % (
              _KIND_NAMES[kind], name, prop, mpb.PropertyType.Name(declared[prop]),
              mpb.PropertyType.Name(ptype)))
      if not properties.keys() <= declared.keys():
        declared.update(properties)
        conn.execute(s.types.update().where(s.types.c.id == row.id).values(
            properties_json=json.dumps(declared, sort_keys=True)))
    return self._remember_type(row.id, kind, name, row.version, declared)

  def _remember_type(self, type_id, kind, name, version, properties):
    t = mpb.Type(id=type_id, kind=kind, name=name, version=version, properties=properties)
    self._types[(kind, name)] = t
    self._type_names[type_id] = name
    return t

  def get_types(self, kind):
    with self._transaction(write=False) as conn:
      rows = conn.execute(sa.select(s.types).where(s.types.c.kind == kind)
                          .order_by(s.types.c.id)).all()
    return [self._remember_type(r.id, r.kind, r.name, r.version, json.loads(r.properties_json))
            for r in rows]

  def _type(self, kind, name=None, type_id=None):
    """A registered type by name or id; on a miss the types are reloaded once (another
    process may have registered it)."""
    for reload in (False, True):
      if reload:
        self.get_types(kind)
      if name and (kind, name) in self._types:
        return self._types[(kind, name)]
      if type_id in self._type_names:
        return self._types[(kind, self._type_names[type_id])]
    raise KeyError("no %s type %s is registered" % (_KIND_NAMES[kind], name or type_id))

  def _type_ids(self, kind, names):
    """Ids of the registered types among `names` (unregistered ones match nothing)."""
    ids = []
    for name in names:
      try:
        ids.append(self._type(kind, name=name).id)
      except KeyError:
        pass
    return ids

  # ---------------------------------------------------------------- writes

  def put_artifacts(self, artifacts):
    """Inserts new artifacts (id 0) and updates existing ones; returns their ids."""
    with self._transaction() as conn:
      return self._put(conn, ARTIFACT, artifacts)

  def put_executions(self, executions):
    with self._transaction() as conn:
      return self._put(conn, EXECUTION, executions)

  def fail_if_running(self, execution_id, error):
    """Marks an execution FAILED with `error` only if it is still RUNNING, in one transaction
    (never overwriting one that completed meanwhile); True if it did."""
    with self._transaction() as conn:
      changed = _raw(conn, "UPDATE executions SET state = %s, update_time_ms = %s WHERE id = %s "
                     "AND state = %s RETURNING id" % ((self._mark,) * 4),
                     (mpb.Execution.FAILED, now_ms(), execution_id, mpb.Execution.RUNNING))
      if not changed:
        return False
      _raw(conn, "DELETE FROM execution_properties WHERE owner_id = %s AND name = 'error' AND "
           "is_custom = %s" % (self._mark, self._mark), (execution_id, True))
      self._insert_rows(conn, "execution_properties",
                        [c.name for c in s.execution_properties.columns],
                        [(execution_id, "error", True, None, None, error)])
    return True

  def put_contexts(self, contexts):
    with self._transaction() as conn:
      return self._put(conn, CONTEXT, contexts)

  def get_or_create_context(self, type_name, name, properties=None):
    """The context `name` of `type_name`, created if missing (safe against concurrent creators);
    `properties` replace the context's custom properties."""
    if not properties:  # Most calls find it: a read, not a write transaction.
      found = self.get_context(type_name, name)
      if found is not None:
        return found
    context_type = self.put_type(CONTEXT, type_name)
    with self._transaction() as conn:
      t = s.contexts
      stamp = now_ms()
      conn.execute(self._insert(t).values(type_id=context_type.id, name=name,
                                          create_time_ms=stamp, update_time_ms=stamp)
                   .on_conflict_do_nothing())
      context_id = conn.execute(sa.select(t.c.id).where(t.c.type_id == context_type.id,
                                                        t.c.name == name)).scalar_one()
      if properties:
        context = mpb.Context(id=context_id, type_id=context_type.id, name=name)
        for key, value in properties.items():
          context.custom_properties[key].CopyFrom(to_value(value))
        self._write_properties(conn, CONTEXT, [context_id], [context], replace=True)
    return self._load(CONTEXT, [context_id])[0]

  def acquire_lock(self, name, owner, ttl_seconds, properties=None):
    """Takes the lock `name` for `owner` unless another owner holds it and its lease has not
    expired; returns whether `owner` holds it now (its lease then renewed for ttl_seconds).
    `properties` are stored with the lock (e.g. when its holder last ran). Safe between
    processes: SQLite serializes the transaction, PostgreSQL takes an advisory lock for it."""
    return self._update_lock(name, owner, ttl_seconds, properties, "acquire")

  def release_lock(self, name, owner, properties=None):
    """Gives up `owner`'s hold on lock `name` (nothing if it does not hold it), keeping
    `properties` with it; returns whether it held it."""
    return self._update_lock(name, owner, 0, properties, "release")

  def set_lock_properties(self, name, properties):
    """Stores `properties` with lock `name` whoever holds it."""
    self._update_lock(name, None, 0, properties, "annotate")

  def lock_properties(self, name):
    """The properties stored with lock `name` ({} if it was never taken)."""
    context = self.get_context(LOCK_CONTEXT_TYPE, name)
    if context is None:
      return {}
    return {k: from_value(v) for k, v in context.custom_properties.items()
            if k not in ("owner", "expires_ms")}

  def _update_lock(self, name, owner, ttl_seconds, properties, mode):
    lock_type = self.put_type(CONTEXT, LOCK_CONTEXT_TYPE)
    with self._transaction() as conn:
      if not self._sqlite:
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(727101)"))  # One lock update at a time.
      t = s.contexts
      stamp = now_ms()
      conn.execute(self._insert(t).values(type_id=lock_type.id, name=name, create_time_ms=stamp,
                                          update_time_ms=stamp).on_conflict_do_nothing())
      context_id = conn.execute(sa.select(t.c.id).where(t.c.type_id == lock_type.id,
                                                        t.c.name == name)).scalar_one()
      current = self._load(CONTEXT, [context_id], conn)[0].custom_properties
      holder = current["owner"].string_value if "owner" in current else ""
      expires = current["expires_ms"].int_value if "expires_ms" in current else 0
      held_by_other = holder and holder != owner and expires > stamp
      if (mode == "acquire" and held_by_other) or (mode == "release" and holder != owner):
        return False
      context = mpb.Context(id=context_id, type_id=lock_type.id, name=name)
      for key, value in current.items():
        context.custom_properties[key].CopyFrom(value)
      for key, value in (properties or {}).items():
        context.custom_properties[key].CopyFrom(to_value(value))
      if mode != "annotate":
        context.custom_properties["owner"].CopyFrom(to_value(owner if mode == "acquire" else ""))
        context.custom_properties["expires_ms"].CopyFrom(
            to_value(stamp + int(ttl_seconds * 1000) if mode == "acquire" else 0))
      self._write_properties(conn, CONTEXT, [context_id], [context], replace=True)
      return True

  def put_events(self, events):
    with self._transaction() as conn:
      self._insert_events(conn, events)

  def put_attributions_and_associations(self, attributions=(), associations=()):
    with self._transaction() as conn:
      self._link(conn, attributions, associations)

  def publish_execution(self, execution, artifact_and_events=(), contexts=()):
    """Writes an execution, its artifacts, the events between them and their context links
    in ONE transaction; returns (execution_id, [artifact_id, ...]).

    artifact_and_events: (Artifact, Event or None) pairs. Artifacts without an id are
      inserted; those with one are linked as they are (never rewritten: an input passed by id
      alone must not blank the stored record; use put_artifacts to change one).
    contexts: Context protos with ids (the execution and artifacts are linked to each).
    """
    with self._transaction() as conn:
      execution_id = self._put(conn, EXECUTION, [execution])[0]
      self._put(conn, ARTIFACT, [a for a, _ in artifact_and_events if not a.id])
      artifact_ids = [a.id for a, _ in artifact_and_events]
      events = []
      for artifact_id, (_, event) in zip(artifact_ids, artifact_and_events):
        if event is not None:
          event = mpb.Event(artifact_id=artifact_id, execution_id=execution_id, type=event.type,
                            key=event.key, index=event.index, time_ms=event.time_ms)
          events.append(event)
      self._insert_events(conn, events)
      self._link(conn,
                 [mpb.Attribution(context_id=c.id, artifact_id=a)
                  for c in contexts for a in artifact_ids],
                 [mpb.Association(context_id=c.id, execution_id=execution_id) for c in contexts])
    return execution_id, artifact_ids

  def _put(self, conn, kind, messages):
    if not messages:
      return []
    table, _ = _TABLES[kind]
    stamp = now_ms()
    new, old = [], []
    for m in messages:
      (old if m.id else new).append(m)
    for m in messages:
      t = self._type(kind, name=m.type or None, type_id=m.type_id or None)
      m.type_id, m.type = t.id, t.name
      for prop, value in m.properties.items():
        declared = t.properties.get(prop)
        kind_name = value.WhichOneof("value")
        if declared is None:
          raise ValueError("%s type %r has no property %r (declared: %s); use custom_properties" %
                           (_KIND_NAMES[kind], t.name, prop, sorted(t.properties) or "none"))
        if kind_name and kind_name.split("_")[0] != mpb.PropertyType.Name(declared).lower():
          raise ValueError("property %r of %s type %r must be %s, got %s" % (
              prop, _KIND_NAMES[kind], t.name, mpb.PropertyType.Name(declared), kind_name))
    columns = [c.name for c in table.columns if c.name not in ("id", "create_time_ms",
                                                               "update_time_ms")]

    if new:
      ids = self._reserve_ids(conn, table.name, len(new))
      for m, new_id in zip(new, ids):
        m.id, m.create_time_ms, m.update_time_ms = new_id, stamp, stamp
      self._insert_rows(conn, table.name, ["id"] + columns + ["create_time_ms", "update_time_ms"],
                        [tuple([m.id] + [getattr(m, c) for c in columns] + [stamp, stamp])
                         for m in new])
      self._write_properties(conn, kind, ids, new, replace=False)
    if old:
      conn.execute(table.update().where(table.c.id == sa.bindparam("_id")),
                   [dict({c: getattr(m, c) for c in columns}, update_time_ms=stamp, _id=m.id)
                    for m in old])
      for m in old:
        m.update_time_ms = stamp
      self._write_properties(conn, kind, [m.id for m in old], old, replace=True)
    return [m.id for m in messages]

  def _write_properties(self, conn, kind, ids, messages, replace):
    _, props = _TABLES[kind]
    if replace:
      for chunk in _chunks(ids):
        conn.execute(props.delete().where(props.c.owner_id.in_(chunk)))
    rows = []
    for owner_id, m in zip(ids, messages):
      for is_custom, mapping in ((False, m.properties), (True, m.custom_properties)):
        for name, value in mapping.items():
          rows.append((owner_id, name, is_custom) + _value_tuple(value))
    self._insert_rows(conn, props.name, [c.name for c in props.columns], rows)

  # Bulk writes go straight to the driver's executemany: SQLAlchemy's per-row parameter
  # processing costs more than SQLite's insert itself. Ids are reserved up front, so rows need
  # no RETURNING: from the table's sequence on PostgreSQL, and on SQLite from MAX(id) (safe
  # because the write transaction holds the database lock from BEGIN IMMEDIATE on).
  def _reserve_ids(self, conn, table, count):
    if self._sqlite:
      ((top,),) = _raw(conn, "SELECT COALESCE(MAX(id), 0) FROM " + table)
      return list(range(top + 1, top + 1 + count))
    return [r[0] for r in _raw(
        conn, "SELECT nextval(pg_get_serial_sequence('%s', 'id')) FROM generate_series(1, %d)" %
        (table, count))]

  def _insert_rows(self, conn, table, columns, rows):
    if rows:
      _raw(conn, "INSERT INTO %s (%s) VALUES (%s)" % (
          table, ", ".join(columns), ", ".join([self._mark] * len(columns))), rows, many=True)

  def _insert_events(self, conn, events):
    stamp = now_ms()
    self._insert_rows(conn, "events", _EVENT_COLUMNS,
                      [(e.artifact_id, e.execution_id, e.type, e.key, e.index,
                        e.time_ms or stamp) for e in events])

  def _link(self, conn, attributions, associations):
    for table, column, rows in (
        ("attributions", "artifact_id", [(a.context_id, a.artifact_id) for a in attributions]),
        ("associations", "execution_id", [(a.context_id, a.execution_id) for a in associations])):
      if rows:
        _raw(conn, "INSERT INTO %s (context_id, %s) VALUES (%s, %s) ON CONFLICT DO NOTHING" % (
            table, column, self._mark, self._mark), rows, many=True)

  # ---------------------------------------------------------------- reads

  def get_artifacts(self, **filters):
    """Artifacts matching every filter given; see `_query` for the filters."""
    return self._query(ARTIFACT, **filters)

  def get_executions(self, **filters):
    return self._query(EXECUTION, **filters)

  def get_contexts(self, **filters):
    return self._query(CONTEXT, **filters)

  def get_context(self, type_name, name):
    found = self._query(CONTEXT, type_name=type_name, name=name)
    return found[0] if found else None

  def _query(self, kind, ids=None, type_name=None, name=None, uri=None, state=None,
             context_id=None, properties=None, newest_first=False, limit=None):
    """ids: list; type_name, name: str or list; state: one or a list; context_id: attributed to /
    associated with that context; properties: {name: value} matched against declared or
    custom properties; newest_first / limit: order by id descending, at most `limit` rows."""
    table, props = _TABLES[kind]
    query = sa.select(table.c.id)
    if ids is not None:
      query = query.where(table.c.id.in_(list(ids)))
    if type_name is not None:
      names = [type_name] if isinstance(type_name, str) else list(type_name)
      query = query.where(table.c.type_id.in_(self._type_ids(kind, names)))
    if name is not None:
      names = [name] if isinstance(name, str) else list(name)
      query = query.where(table.c.name.in_(names))
    if uri is not None:
      query = query.where(table.c.uri == uri)
    if state is not None:
      states = [state] if isinstance(state, int) else list(state)
      query = query.where(table.c.state.in_(states))
    if context_id is not None:
      link = s.attributions if kind == ARTIFACT else s.associations
      owner = link.c.artifact_id if kind == ARTIFACT else link.c.execution_id
      query = query.where(table.c.id.in_(sa.select(owner).where(link.c.context_id == context_id)))
    for prop, value in (properties or {}).items():
      column = _value_columns(to_value(value))
      match = [getattr(props.c, k) == v for k, v in column.items() if v is not None]
      query = query.where(table.c.id.in_(
          sa.select(props.c.owner_id).where(props.c.name == prop, *match)))
    query = query.order_by(table.c.id.desc() if newest_first else table.c.id)
    if limit is not None:
      query = query.limit(limit)
    with self._transaction(write=False) as conn:
      found = conn.execute(query).scalars().all()
      return self._load(kind, found, conn)

  def _load(self, kind, ids, conn=None):
    if conn is None:
      with self._transaction(write=False) as conn:
        return self._load(kind, ids, conn)
    table, props = _TABLES[kind]
    message = _MESSAGES[kind]
    columns = [c.name for c in table.columns]
    by_id = {}
    # Driver-level SQL: loading records is on every lineage and cache lookup's path.
    for chunk in _chunks(list(ids)):
      marks = ", ".join([self._mark] * len(chunk))
      for r in _raw(conn, "SELECT %s FROM %s WHERE id IN (%s)" % (
          ", ".join(columns), table.name, marks), tuple(chunk)):
        m = message(**{c: v for c, v in zip(columns, r) if v is not None})
        m.type = self._type(kind, type_id=m.type_id).name
        by_id[m.id] = m
      for owner_id, name, is_custom, int_value, double_value, string_value in (
          _raw(conn, "SELECT owner_id, name, is_custom, int_value, double_value, "
               "string_value FROM %s WHERE owner_id IN (%s)" % (props.name, marks),
               tuple(chunk))):
        value = (by_id[owner_id].custom_properties if is_custom
                 else by_id[owner_id].properties)[name]
        if int_value is not None:
          value.int_value = int_value
        elif double_value is not None:
          value.double_value = double_value
        elif string_value is not None:
          value.string_value = string_value
    return [by_id[i] for i in ids if i in by_id]

  def get_events(self, artifact_ids=None, execution_ids=None, event_type=None):
    e = s.events
    query = sa.select(*[e.c[c] for c in _EVENT_COLUMNS]).order_by(e.c.id)
    if artifact_ids is not None:
      query = query.where(e.c.artifact_id.in_(list(artifact_ids)))
    if execution_ids is not None:
      query = query.where(e.c.execution_id.in_(list(execution_ids)))
    if event_type is not None:
      query = query.where(e.c.type == event_type)
    with self._transaction(write=False) as conn:
      return [_event(r) for r in conn.execute(query)]

  def get_contexts_of(self, artifact_id=None, execution_id=None):
    """The contexts an artifact is attributed to or an execution is associated with."""
    link, owner, owner_id = ((s.attributions, s.attributions.c.artifact_id, artifact_id)
                             if artifact_id is not None else
                             (s.associations, s.associations.c.execution_id, execution_id))
    with self._transaction(write=False) as conn:
      ids = conn.execute(sa.select(link.c.context_id).where(owner == owner_id)).scalars().all()
      return self._load(CONTEXT, ids, conn)

  def get_lineage(self, artifact_ids, direction="upstream", depth=3):
    """Artifacts and executions within `depth` executions of `artifact_ids`, following events
    upstream (what they were made from), downstream (what was made from them) or both, with
    the events between them."""
    with self._transaction(write=False) as conn:
      reached, execution_ids = self._lineage_ids(conn, artifact_ids, direction, depth)
      events = []
      for chunk in _chunks(sorted(execution_ids)):
        events += [_event(r) for r in _raw(
            conn, "SELECT %s FROM events WHERE execution_id IN (%s) ORDER BY id" % (
                ", ".join(_EVENT_COLUMNS), ", ".join([self._mark] * len(chunk))), tuple(chunk))
                   if r[0] in reached]
      return mpb.LineageGraph(artifacts=self._load(ARTIFACT, sorted(reached), conn),
                              executions=self._load(EXECUTION, sorted(execution_ids), conn),
                              events=events)

  def get_lineage_ids(self, artifact_ids, direction="upstream", depth=3):
    """Like get_lineage, ids only: (artifact ids, execution ids), one SQL query per direction."""
    with self._transaction(write=False) as conn:
      return self._lineage_ids(conn, artifact_ids, direction, depth)

  def _lineage_ids(self, conn, artifact_ids, direction, depth):
    if direction not in ("upstream", "downstream", "both"):
      raise ValueError("direction must be upstream, downstream or both, got %r" % direction)
    start = [int(i) for i in artifact_ids]
    reached, execution_ids = set(start), set()
    if depth <= 0 or not start:
      return reached, execution_ids
    for way in (("upstream", "downstream") if direction == "both" else (direction,)):
      # Upstream: an artifact's producer is the execution with an OUTPUT event for it; that
      # execution's INPUT artifacts are one step further up. Downstream swaps the two.
      toward, away = ((mpb.Event.OUTPUT, mpb.Event.INPUT) if way == "upstream"
                      else (mpb.Event.INPUT, mpb.Event.OUTPUT))
      mark = self._mark
      sql = _WALK_SQL.format(start=", ".join([mark] * len(start)), mark=mark)
      params = tuple(start) + (toward, away, toward, depth, away)
      for execution_id, artifact_id in _raw(conn, sql, params):
        execution_ids.add(execution_id)
        if artifact_id is not None:
          reached.add(artifact_id)
    return reached, execution_ids


# The executions within `depth` steps (walk) and the artifacts on their far side. Plain SQL
# that SQLite and PostgreSQL both run; the driver's raw paramstyle keeps the per-query cost low.
_WALK_SQL = """
    WITH RECURSIVE walk(execution_id, depth) AS (
      SELECT execution_id, 1 FROM events WHERE artifact_id IN ({start}) AND type = {mark}
      UNION
      SELECT nxt.execution_id, walk.depth + 1
      FROM walk
      JOIN events hop ON hop.execution_id = walk.execution_id AND hop.type = {mark}
      JOIN events nxt ON nxt.artifact_id = hop.artifact_id AND nxt.type = {mark}
      WHERE walk.depth < {mark}
    )
    SELECT w.execution_id, e.artifact_id
    FROM (SELECT DISTINCT execution_id FROM walk) w
    LEFT JOIN events e ON e.execution_id = w.execution_id AND e.type = {mark}
"""


_EVENT_COLUMNS = ("artifact_id", "execution_id", "type", "key", "idx", "time_ms")


def _open_failure(url, is_sqlite, error):
  cause = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
  if is_sqlite:
    path = sa.engine.make_url(url).database
    return ("metadata store %s cannot be read (%s). If the file is damaged, move it aside and "
            "run again: a new store starts empty (outputs already under the pipeline root stay "
            "on disk, and the first run recomputes them), or restore the file from a backup"
            % (path, cause))
  return ("metadata store %s cannot be opened (%s); check that the server runs and the URL, "
          "user and database are right" % (sa.engine.make_url(url).render_as_string(
              hide_password=True), cause))


def _raw(conn, sql, params=(), many=False):
  """Runs SQL on the transaction's own DBAPI connection and returns its rows. The hot paths
  (id reservation, bulk inserts, links, record loads, lineage) go here: SQLAlchemy's
  per-statement machinery costs several times what SQLite spends on such a statement."""
  cursor = conn.connection.dbapi_connection.cursor()
  try:
    if many:
      cursor.executemany(sql, params)
    else:
      cursor.execute(sql, params)
    return cursor.fetchall() if cursor.description else []
  finally:
    cursor.close()


def _event(row):
  """An Event from a row of _EVENT_COLUMNS."""
  return mpb.Event(artifact_id=row[0], execution_id=row[1], type=row[2], key=row[3],
                   index=row[4], time_ms=row[5])


def _enable_wal(cursor):
  # WAL mode persists in the file; switching to it ignores the busy timeout, so a second
  # process opening a brand-new database retries while the first holds the lock.
  deadline = time.monotonic() + 60
  while cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
    try:
      cursor.execute("PRAGMA journal_mode=WAL")
    except sqlite3.OperationalError:
      if time.monotonic() > deadline:
        raise
      time.sleep(0.02)


def _chunks(ids):
  for i in range(0, len(ids), _CHUNK):
    yield ids[i:i + _CHUNK]
