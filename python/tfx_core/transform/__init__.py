"""Feature engineering: tensorflow_transform's preprocessing_fn, analyzers and mappers, run by
tfx_core's C++ kernels. Porting a TFT preprocessing_fn is a change of import:

    import tfx_core.transform as tft

    def preprocessing_fn(inputs):
      return {"x_z": tft.scale_to_z_score(inputs["x"]),
              "city_id": tft.compute_and_apply_vocabulary(inputs["city"], num_oov_buckets=1)}

    transformed, output = tft.analyze_and_transform(table, preprocessing_fn, schema, "out/")
    layer = output.transform_features_layer()   # for a Keras model at serving time

TransformOutput is also TFT's TFTransformOutput (transformed_metadata.schema,
raw_feature_spec(), transformed_feature_spec(), vocabulary_file_by_name(), ...).
"""

import os
import shutil
import tempfile

import pyarrow as pa

from tfx_core.transform._analysis import PreprocessingFn, analyze, run_pass_in_process
from tfx_core.transform._analyzers import (count_per_key, covariance, max, mean, min, pca,
                                           quantiles, size, sum, var, vocabulary)
from tfx_core.transform._graph import TransformFeaturesLayer, TransformOutput, save_transform_graph
from tfx_core.transform._histograms import estimated_probability_density, histogram
from tfx_core.transform._inputs import (DatasetMetadata, feature_spec_from_schema,
                                        schema_from_feature_spec)
from tfx_core.transform._mappers import (apply_buckets, apply_vocabulary, bag_of_words, bucketize,
                                         bucketize_per_key,
                                         compute_and_apply_vocabulary,
                                         get_num_buckets_for_transformed_feature, hash_strings,
                                         scale_by_min_max, scale_by_min_max_per_key,
                                         scale_to_0_1, scale_to_0_1_per_key, scale_to_z_score,
                                         scale_to_z_score_per_key, tfidf)
from tfx_core.transform._tf_mappers import (apply_buckets_with_interpolation,
                                            deduplicate_tensor_per_row, ngrams, segment_indices,
                                            sparse_tensor_left_align,
                                            sparse_tensor_to_dense_with_shape, word_count)

DEFAULT_BATCH_SIZE = 65536

# TFT's name for it: TFX module files call tft.TFTransformOutput(fn_args.transform_output).
TFTransformOutput = TransformOutput


def _feature_spec(schema_or_spec):
  return schema_or_spec if isinstance(schema_or_spec, dict) else \
      feature_spec_from_schema(schema_or_spec)


def _as_fn(preprocessing_fn):
  return preprocessing_fn if isinstance(preprocessing_fn, PreprocessingFn) else \
      PreprocessingFn(preprocessing_fn)


def analyze_dataset(table, preprocessing_fn, schema_or_spec, output_dir,
                    batch_size=DEFAULT_BATCH_SIZE):
  """Analyzes a pyarrow Table in this process and writes the TransformGraph to output_dir."""
  fn, spec = _as_fn(preprocessing_fn), _feature_spec(schema_or_spec)
  parent = os.path.dirname(os.path.abspath(output_dir))
  os.makedirs(parent, exist_ok=True)
  files_dir = tempfile.mkdtemp(prefix=".analysis-", dir=parent)
  try:
    batches = lambda: table.to_batches(max_chunksize=batch_size)  # pylint: disable=unnecessary-lambda-assignment
    known = analyze(fn, spec, run_pass_in_process(batches), files_dir)
    save_transform_graph(fn.load(), spec, known, files_dir, output_dir)
  finally:
    shutil.rmtree(files_dir, ignore_errors=True)
  return TransformOutput(output_dir)


def analyze_and_transform(table, preprocessing_fn, schema_or_spec, output_dir,
                          batch_size=DEFAULT_BATCH_SIZE):
  """analyze_dataset, then (the transformed Table, the TransformOutput): the batch path,
  TransformOutput.transform_arrow, over every batch."""
  output = analyze_dataset(table, preprocessing_fn, schema_or_spec, output_dir, batch_size)
  batches = table.to_batches(max_chunksize=batch_size) or [table]  # An empty table: no batches.
  return pa.concat_tables([output.transform_arrow(b) for b in batches]), output


__all__ = [
    "DatasetMetadata", "PreprocessingFn", "TFTransformOutput", "TransformFeaturesLayer",
    "TransformOutput",
    "analyze_and_transform", "analyze_dataset", "apply_buckets",
    "apply_buckets_with_interpolation", "apply_vocabulary", "bag_of_words", "bucketize", "bucketize_per_key",
    "compute_and_apply_vocabulary", "count_per_key", "covariance", "deduplicate_tensor_per_row",
    "estimated_probability_density", "histogram",
    "feature_spec_from_schema", "get_num_buckets_for_transformed_feature", "hash_strings", "max", "mean", "min", "ngrams", "pca",
    "quantiles", "scale_by_min_max", "scale_by_min_max_per_key", "scale_to_0_1",
    "scale_to_0_1_per_key", "scale_to_z_score", "scale_to_z_score_per_key",
    "schema_from_feature_spec", "segment_indices", "size", "sparse_tensor_left_align",
    "sparse_tensor_to_dense_with_shape", "sum", "tfidf", "var", "vocabulary", "word_count",
]

from tfx_core.transform import analyzers, experimental  # pylint: disable=wrong-import-position
