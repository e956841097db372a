"""ExampleGen: formats, type inference, bad rows, hash splits, spans, and the component."""

import gzip
import json
import os

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import tensorflow as tf

from tfx_core import data, metadata as md
from tfx_core.components import ExampleGen
from tfx_core.dsl import Pipeline
from tfx_core.orchestration import LocalDagRunner, PipelineRunError

CSV = ('id,name,score,note\n'
       '1,"Smith, Ann",3.5,"multi\nline"\n'
       '2,Bob,,plain\n'
       '3,,7,""\n')


def _write(path, text):
  os.makedirs(os.path.dirname(path), exist_ok=True)
  with open(path, "w") as f:
    f.write(text)
  return str(path)


def test_csv_types_quotes_and_missing(tmp_path):
  table, bad = data.read_file(_write(tmp_path / "a.csv", CSV))
  assert bad == []
  assert table.schema.types == [pa.int64(), pa.string(), pa.float64(), pa.string()]
  assert table.to_pydict() == {"id": [1, 2, 3], "name": ["Smith, Ann", "Bob", None],
                               "score": [3.5, None, 7.0], "note": ["multi\nline", "plain", ""]}


def test_csv_types_are_inferred_over_the_whole_file(tmp_path):
  rows = ["x"] + [str(i) for i in range(20000)] + ["oops"]
  table, _ = data.read_file(_write(tmp_path / "late.csv", "\n".join(rows) + "\n"))
  assert table.schema.types == [pa.string()]  # A late non-number keeps the column text.
  assert table["x"][20000].as_py() == "oops"


def test_bad_rows_fail_naming_file_and_row_or_are_quarantined(tmp_path):
  path = _write(tmp_path / "bad.csv", "a,b\n1,2\n3,4,5\n6,7\n")
  with pytest.raises(data.InputError, match=r"bad\.csv: row 3: expected 2 fields .* got 3"):
    data.read_file(path)
  table, bad = data.read_file(path, bad_rows="quarantine")
  assert table.to_pydict() == {"a": [1, 6], "b": [2, 7]}
  assert [(b.row, b.text) for b in bad] == [(3, "3,4,5")]
  jsonl = _write(tmp_path / "bad.jsonl", '{"a": 1}\n{"a": 2\n{"a": 3}\n')
  with pytest.raises(data.InputError, match=r"bad\.jsonl: line 2"):
    data.read_file(jsonl)
  table, bad = data.read_file(jsonl, bad_rows="quarantine")
  assert table.to_pydict() == {"a": [1, 3]} and [b.row for b in bad] == [2]
  with pytest.raises(data.InputError, match="cannot tell the format"):
    data.read_file(_write(tmp_path / "x.txt", "a\n"))


def _tf_example(**features):
  feature = {}
  for name, values in features.items():
    if isinstance(values[0], bytes):
      feature[name] = tf.train.Feature(bytes_list=tf.train.BytesList(value=values))
    elif isinstance(values[0], float):
      feature[name] = tf.train.Feature(float_list=tf.train.FloatList(value=values))
    else:
      feature[name] = tf.train.Feature(int64_list=tf.train.Int64List(value=values))
  return tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString()


def test_every_format_reads_the_same_rows(tmp_path):
  expected = {"id": [1, 2, 3], "name": ["a", "b", None], "score": [0.5, None, 2.0]}
  table = pa.table(expected)
  pq.write_table(table, tmp_path / "t.parquet")
  _write(tmp_path / "t.jsonl", "\n".join(json.dumps(
      {k: v for k, v in zip(expected, row) if v is not None})
      for row in zip(*expected.values())) + "\n")
  records = [_tf_example(id=[1], name=[b"a"], score=[0.5]), _tf_example(id=[2], name=[b"b"]),
             _tf_example(id=[3], score=[2.0], tags=[b"x", b"y"])]
  for name, options in (("t.tfrecord", None), ("t.tfrecord.gz", "GZIP")):
    with tf.io.TFRecordWriter(str(tmp_path / name), options=options) as writer:
      for r in records:
        writer.write(r)
  for name in ("t.parquet", "t.jsonl", "t.tfrecord", "t.tfrecord.gz"):
    got, _ = data.read_file(str(tmp_path / name))
    for column, values in expected.items():
      assert got[column].to_pylist() == values, (name, column)
  tfrecord, _ = data.read_file(str(tmp_path / "t.tfrecord"))
  assert tfrecord["tags"].to_pylist() == [None, None, ["x", "y"]]  # Lists stay lists.
  with open(tmp_path / "junk.tfrecord", "wb") as f:
    f.write(b"not a tfrecord at all")
  with pytest.raises(data.InputError, match="junk.tfrecord"):
    data.read_file(str(tmp_path / "junk.tfrecord"))


def _taxi_like_csv(tmp_path, bad_value):
  rows = ["fare,company,trips"] + ["%d.25,\"Co, %d\",%d" % (i, i % 3, i) for i in range(200)]
  rows[42] = '%s,"Co\nwith a line break",41' % bad_value  # Record 41 spans lines 43-44.
  rows[100] = "12.5O,Flash Cab,99"  # Line 102: a typo in a float column.
  return _write(tmp_path / "fares.csv", "\n".join(rows) + "\n")


def test_with_a_schema_a_value_of_the_wrong_type_is_a_bad_row(tmp_path):
  from tfx_core.proto import schema_pb2  # pylint: disable=import-outside-toplevel
  path = _taxi_like_csv(tmp_path, "7.5")
  schema = schema_pb2.Schema()
  schema.feature.add(name="fare", type=schema_pb2.FLOAT)
  schema.feature.add(name="trips", type=schema_pb2.INT)
  with pytest.raises(data.InputError, match=r"fares\.csv: line 102, column 'fare': '12\.5O' is "
                     r"not a FLOAT, the schema's type for it; fix the data, or set "
                     r"bad_rows='quarantine'"):
    data.read_file(path, schema=schema)
  table, bad = data.read_file(path, bad_rows="quarantine", schema=schema)
  assert table.num_rows == 199 and table.schema.types == [pa.float64(), pa.string(), pa.int64()]
  assert table["fare"][41].as_py() == 7.5 and table["company"][41].as_py() == "Co\nwith a line break"
  assert [(b.row, b.text, b.reason) for b in bad] == [
      (102, "12.5O,Flash Cab,99", "column 'fare': '12.5O' is not a FLOAT, the schema's type for it")]


def test_without_a_schema_the_rows_that_made_a_column_text_are_named(tmp_path, caplog):
  path = _taxi_like_csv(tmp_path, "?")
  with caplog.at_level("WARNING", logger="tfx_core.data"):
    table, _ = data.read_file(path)
  assert table.schema.types[0] == pa.string()
  [message] = [r.getMessage() for r in caplog.records]
  assert "fares.csv: column 'fare' is read as strings because of 2 value(s) that are not " \
      "numbers in 200: line 43: '?', line 102: '12.5O'" in message
  caplog.clear()
  data.read_file(_write(tmp_path / "text.csv", "name\nAnn\nBob\n"))
  assert not caplog.records  # A text column is no surprise.


def test_tfrecord_features_first_seen_late_are_read(tmp_path):
  path = str(tmp_path / "late.tfrecord")
  with tf.io.TFRecordWriter(path) as writer:
    for i in range(5000):
      extra = {"late": [b"x%d" % i]} if i >= 4500 else {}
      writer.write(_tf_example(id=[i], **extra))
  table, _ = data.read_file(path)
  assert table.column_names == ["id", "late"]
  assert table["late"].null_count == 4500 and table["late"][4999].as_py() == "x4999"
  with tf.io.TFRecordWriter(path) as writer:
    writer.write(_tf_example(id=[1]))
    writer.write(_tf_example(id=[b"two"]))
  with pytest.raises(data.InputError, match=r"late\.tfrecord: record 2: feature 'id' has a "
                     r"bytes_list; record 1 has a int64_list"):
    data.read_file(path)


def test_hash_splits_are_stable_and_proportional():
  table = pa.table({"k": np.arange(30000) % 1000, "v": np.arange(30000) * 0.5})
  splits = data.split_table(table, {"train": 2, "eval": 1})
  assert splits["train"].num_rows + splits["eval"].num_rows == 30000
  assert abs(splits["eval"].num_rows / 30000 - 1 / 3) < 0.01
  again = data.split_table(table, {"train": 2, "eval": 1})
  assert splits["eval"].equals(again["eval"])
  by_key = data.split_table(table, {"train": 2, "eval": 1}, partition_feature="k")
  train_keys = set(by_key["train"]["k"].to_pylist())
  assert not train_keys & set(by_key["eval"]["k"].to_pylist())  # A key never straddles.
  with pytest.raises(ValueError, match="partition feature 'nope'"):
    data.split_table(table, {"train": 1}, partition_feature="nope")
  with pytest.raises(ValueError, match="positive integer"):
    data.split_table(table, {"train": 0})


def test_spans_versions_and_dates(tmp_path):
  for span, version in ((1, 1), (2, 1), (2, 2), (10, 1)):
    _write(tmp_path / ("span-%d/v%d/data.csv" % (span, version)), "x\n%d\n" % span)
  pattern = {"all": "span-{SPAN}/v{VERSION}/*.csv"}
  latest = data.resolve(str(tmp_path), pattern)
  assert (latest.span, latest.version) == (10, 1)
  two = data.resolve(str(tmp_path), pattern, span=2)
  assert (two.span, two.version) == (2, 2) and two.files["all"][0].endswith("span-2/v2/data.csv")
  ranged = data.resolve(str(tmp_path), pattern, span_range=[1, 2])
  assert ranged.spans == [1, 2] and len(ranged.files["all"]) == 2
  with pytest.raises(FileNotFoundError, match=r"span 3 not found .* \[1, 2, 10\]"):
    data.resolve(str(tmp_path), pattern, span=3)
  _write(tmp_path / "daily/2026-11-23/a.csv", "x\n1\n")
  _write(tmp_path / "daily/2026-11-24/a.csv", "x\n2\n")
  day = data.resolve(str(tmp_path / "daily"), {"all": "{YYYY}-{MM}-{DD}/*.csv"})
  assert day.span == 20781  # Days since 1970-01-01.
  with pytest.raises(ValueError, match="needs all of"):
    data.resolve(str(tmp_path), {"all": "{YYYY}/*.csv"})


def _run(root, **params):
  return LocalDagRunner().run(Pipeline("gen", str(root), [ExampleGen(**params)], enable_cache=True))


def test_component_writes_splits_and_records_spans(tmp_path):
  source = tmp_path / "in"
  _write(source / "span-1/data.csv", "x,y\n" + "".join("%d,%d\n" % (i, i % 7) for i in range(300)))
  os.makedirs(source / "span-2")
  with gzip.open(source / "span-2/data.csv.gz", "wt") as f:
    f.write("x,y\n" + "".join("%d,%d\n" % (i, i % 5) for i in range(600)))
  params = dict(input_base=str(source), input_pattern="span-{SPAN}/*")
  result = _run(tmp_path / "root", **params)
  [examples] = result.outputs["ExampleGen"]["examples"]
  props = {k: md.from_value(v) for k, v in examples.properties.items()}
  custom = {k: md.from_value(v) for k, v in examples.custom_properties.items()}
  assert props["span"] == 2 and json.loads(props["split_names"]) == ["train", "eval"]
  counts = json.loads(custom["row_counts"])
  assert sum(counts.values()) == 600 and abs(counts["eval"] - 200) < 30
  train = pq.read_table(os.path.join(examples.uri, "Split-train"))
  assert train.num_rows == counts["train"] and train.schema.names == ["x", "y"]
  assert _run(tmp_path / "root", **params).node_states == {"ExampleGen": "CACHED"}
  _write(source / "span-3/data.csv", "x,y\n1,2\n")  # A new span: the cache must miss.
  third = _run(tmp_path / "root", **params)
  assert third.node_states == {"ExampleGen": "COMPLETE"}
  assert md.from_value(third.outputs["ExampleGen"]["examples"][0].properties["span"]) == 3


def test_component_bad_rows_fail_without_publishing_or_go_to_quarantine(tmp_path):
  source = tmp_path / "in"
  _write(source / "data.csv", "a,b\n1,2\n3,4,5\n6,7\n")
  with pytest.raises(PipelineRunError):
    _run(tmp_path / "root", input_base=str(source))
  store = md.MetadataStore("sqlite:///%s/metadata.sqlite" % (tmp_path / "root"))
  assert store.get_artifacts(type_name="Examples") == []
  [execution] = store.get_executions()
  assert execution.state == md.Execution.FAILED
  assert "data.csv: row 3: expected 2 fields" in execution.custom_properties["error"].string_value
  result = _run(tmp_path / "root2", input_base=str(source), bad_rows="quarantine",
                output_splits={"all": 1})
  [examples] = result.outputs["ExampleGen"]["examples"]
  assert md.from_value(examples.custom_properties["quarantined_rows"]) == 1
  with open(os.path.join(examples.uri, "quarantine", "bad_rows.jsonl")) as f:
    [row] = [json.loads(line) for line in f]
  assert (row["row"], row["text"], os.path.basename(row["file"])) == (3, "3,4,5", "data.csv")
  assert pq.read_table(os.path.join(examples.uri, "Split-all")).num_rows == 2


def test_component_with_an_imported_schema_names_the_bad_line(tmp_path):
  from tfx_core.components import ImportSchemaGen  # pylint: disable=import-outside-toplevel
  source = tmp_path / "in"
  _taxi_like_csv(source, "7.5")
  schema_file = _write(tmp_path / "schema.pbtxt",
                       'feature { name: "fare" type: FLOAT }\nfeature { name: "trips" type: INT }\n')
  schema = ImportSchemaGen(schema_file=schema_file)
  gen = ExampleGen(input_base=str(source), schema=schema.outputs["schema"])
  pipeline = Pipeline("typed", str(tmp_path / "root"), [schema, gen])
  with pytest.raises(PipelineRunError):
    LocalDagRunner().run(pipeline)
  store = md.MetadataStore("sqlite:///%s/metadata.sqlite" % (tmp_path / "root"))
  [failed] = [e for e in store.get_executions() if e.state == md.Execution.FAILED]
  assert "fares.csv: line 102, column 'fare': '12.5O' is not a FLOAT" in \
      failed.custom_properties["error"].string_value
