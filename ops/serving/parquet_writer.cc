// libtfx_core_parquet_writer.so: Parquet files from Arrow C data interface batches (see
// parquet_writer.h). Built as C++20 against pyarrow's headers; nothing of TensorFlow here.
#include "ops/serving/parquet_writer.h"

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <type_traits>

#include "arrow/c/bridge.h"
#include "arrow/io/file.h"
#include "arrow/record_batch.h"
#include "arrow/table.h"
#include "parquet/arrow/writer.h"
#include "parquet/properties.h"

struct TfxCoreParquetFile {
  std::shared_ptr<arrow::Schema> schema;
  std::shared_ptr<arrow::io::FileOutputStream> out;
  std::unique_ptr<parquet::arrow::FileWriter> writer;
};

namespace {

char* CopyError(const arrow::Status& status) { return strdup(status.ToString().c_str()); }

}  // namespace

extern "C" {

__attribute__((visibility("default"))) TfxCoreParquetFile* tfx_core_parquet_create(
    const char* path, ArrowSchema* c_schema, char** error) {
  auto schema = arrow::ImportSchema(c_schema);
  if (!schema.ok()) {
    *error = CopyError(schema.status());
    return nullptr;
  }
  auto out = arrow::io::FileOutputStream::Open(path);
  if (!out.ok()) {
    *error = CopyError(out.status());
    return nullptr;
  }
  // Zstd where this libparquet has it: request logs compress well and are read far less often
  // than they are written.
  parquet::WriterProperties::Builder properties;
  properties.compression(arrow::util::Codec::IsAvailable(arrow::Compression::ZSTD)
                             ? arrow::Compression::ZSTD
                             : arrow::Compression::SNAPPY);
  // The Arrow schema in the footer, so readers get back timestamps' time zone and list types.
  auto arrow_properties = parquet::ArrowWriterProperties::Builder().store_schema()->build();
  auto writer = parquet::arrow::FileWriter::Open(**schema, arrow::default_memory_pool(), *out,
                                                 properties.build(), arrow_properties);
  if (!writer.ok()) {
    *error = CopyError(writer.status());
    return nullptr;
  }
  return new TfxCoreParquetFile{*std::move(schema), *std::move(out), *std::move(writer)};
}

__attribute__((visibility("default"))) int64_t tfx_core_parquet_append(
    TfxCoreParquetFile* file, ArrowArray* c_batch, char** error) {
  auto batch = arrow::ImportRecordBatch(c_batch, file->schema);
  if (!batch.ok()) {
    *error = CopyError(batch.status());
    return -1;
  }
  auto table = arrow::Table::FromRecordBatches(file->schema, {*batch});
  arrow::Status status = table.ok() ? file->writer->WriteTable(**table, (*batch)->num_rows() + 1)
                                    : table.status();
  if (!status.ok()) {
    *error = CopyError(status);
    return -1;
  }
  auto written = file->out->Tell();
  if (!written.ok()) {
    *error = CopyError(written.status());
    return -1;
  }
  return *written;
}

__attribute__((visibility("default"))) int tfx_core_parquet_close(TfxCoreParquetFile* file,
                                                                  char** error) {
  arrow::Status status = file->writer->Close();
  if (status.ok()) status = file->out->Close();
  delete file;
  if (!status.ok()) {
    *error = CopyError(status);
    return -1;
  }
  return 0;
}

__attribute__((visibility("default"))) void tfx_core_parquet_free_error(char* error) {
  std::free(error);
}

}  // extern "C"

// The definitions have the types the server looks them up as.
static_assert(std::is_same_v<decltype(&tfx_core_parquet_create), TfxCoreParquetCreateFn>);
static_assert(std::is_same_v<decltype(&tfx_core_parquet_append), TfxCoreParquetAppendFn>);
static_assert(std::is_same_v<decltype(&tfx_core_parquet_close), TfxCoreParquetCloseFn>);
static_assert(std::is_same_v<decltype(&tfx_core_parquet_free_error), TfxCoreParquetFreeErrorFn>);
