// A C ABI for writing Parquet files from Arrow C data interface batches, implemented in
// libtfx_core_parquet_writer.so over the Arrow and Parquet C++ libraries that pyarrow ships.
//
// Why a separate shared object behind a C ABI: pyarrow's libarrow exports its own abseil (and
// needs C++20 headers), which would clash with TensorFlow's inside the model server. The server
// dlopens this library with RTLD_DEEPBIND (as it does the gRPC front end) and hands it only
// plain C structs: the Arrow C data interface, which both sides define identically.
#ifndef OPS_SERVING_PARQUET_WRITER_H_
#define OPS_SERVING_PARQUET_WRITER_H_

#include <cstdint>

#include "tfx_core/arrow/c_data.h"

extern "C" {

struct TfxCoreParquetFile;

// Creates the file at `path` for batches of `schema` (a struct schema, released here). On
// failure returns null and sets *error, to be freed with tfx_core_parquet_free_error.
typedef TfxCoreParquetFile* (*TfxCoreParquetCreateFn)(const char* path, ArrowSchema* schema,
                                                       char** error);
// Writes `batch` (a struct array of the file's schema, released here) as one row group.
// Returns the bytes written to the file so far, or -1 with *error set.
typedef int64_t (*TfxCoreParquetAppendFn)(TfxCoreParquetFile* file, ArrowArray* batch,
                                          char** error);
// Writes the footer, closes the file and frees `file`. Returns 0, or -1 with *error set.
typedef int (*TfxCoreParquetCloseFn)(TfxCoreParquetFile* file, char** error);
typedef void (*TfxCoreParquetFreeErrorFn)(char* error);

}  // extern "C"

// The exported symbol names, for dlsym.
#define TFX_CORE_PARQUET_CREATE "tfx_core_parquet_create"
#define TFX_CORE_PARQUET_APPEND "tfx_core_parquet_append"
#define TFX_CORE_PARQUET_CLOSE "tfx_core_parquet_close"
#define TFX_CORE_PARQUET_FREE_ERROR "tfx_core_parquet_free_error"

#endif  // OPS_SERVING_PARQUET_WRITER_H_
