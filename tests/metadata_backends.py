"""The metadata backends every store test runs on: a SQLite file, and PostgreSQL when
TFX_CORE_TEST_POSTGRES_URL names a server (tools/test.sh starts one). Each test gets a fresh
database. With TFX_CORE_REQUIRE_POSTGRES=1 (CI) a missing server fails instead of skipping."""

import os
import uuid

import pytest
import sqlalchemy as sa

from tfx_core.metadata import engine_url

_PG_URL = os.environ.get("TFX_CORE_TEST_POSTGRES_URL")


@pytest.fixture(params=["sqlite", "postgresql"])
def metadata_url(request, tmp_path):
  if request.param == "sqlite":
    yield "sqlite:///%s" % (tmp_path / "metadata.sqlite")
    return
  if not _PG_URL:
    message = ("PostgreSQL tests need TFX_CORE_TEST_POSTGRES_URL (tools/test.sh starts a "
               "server with tools/postgres.sh and sets it)")
    if os.environ.get("TFX_CORE_REQUIRE_POSTGRES") == "1":
      pytest.fail(message)
    pytest.skip(message)
  admin = sa.create_engine(engine_url(_PG_URL), isolation_level="AUTOCOMMIT")
  name = "tfx_core_test_" + uuid.uuid4().hex[:12]
  with admin.connect() as conn:
    conn.exec_driver_sql("CREATE DATABASE " + name)
  base = sa.engine.make_url(engine_url(_PG_URL))
  yield base.set(database=name).render_as_string(hide_password=False)
  with admin.connect() as conn:
    conn.exec_driver_sql("DROP DATABASE %s WITH (FORCE)" % name)
  admin.dispose()
