// Request logging for monitoring: a sampled fraction of served requests, with their responses,
// written in the background as Parquet files under a log directory.
//
// Layout: <directory>/<model name>/<start time UTC>-<pid>-<sequence>.parquet, one file per
// model and signature at a time, rotated by size and age. A file is written under a hidden
// temporary name and renamed when complete, so a reader never sees a partial file. One row
// per example (a request with a batch of N gives N rows), with the columns
//   request_id, example_index, time (timestamp[us, UTC]), model_name, model_version,
//   signature_name, frontend ("REST" / "GRPC"), latency_us,
//   inputs  struct<alias: list<value>, ...>, outputs struct<alias: list<value>, ...>
// where value is float, double, int64 (every integer type and bool) or binary (strings), and
// each list holds that example's slice of the tensor, flattened. A request whose tensors do not
// share a batch dimension is one row holding the whole tensors.
//
// Cost to the request path: a sampling draw, and for a sampled request, copying its tensors'
// references (not their data) into a queue under a mutex. Conversion, compression and I/O run
// on the log's own thread. The queue is bounded in bytes: when full, records are dropped and
// counted (request_log_count{status="RESOURCE_EXHAUSTED"}), never blocking a request.
#ifndef OPS_SERVING_REQUEST_LOG_H_
#define OPS_SERVING_REQUEST_LOG_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "ops/serving/servable.h"

namespace tfx_core::serving {

struct RequestLogOptions {
  std::string directory;
  int64_t max_file_bytes = 128 << 20;  // A file is closed once it is this big...
  int32_t max_file_seconds = 60;       // ...or this old (the delay before readers see rows).
  int64_t max_queue_bytes = 64 << 20;  // Requests waiting for the writer thread.
};

// One sampled request.
struct RequestLogRecord {
  std::string model;
  int64_t version = 0;
  std::string signature;
  const char* frontend = "";
  std::string request_id;
  int64_t time_us = 0;  // When it finished, in microseconds since the Unix epoch.
  int64_t latency_us = 0;
  NamedTensors inputs;
  NamedTensors outputs;
  int64_t bytes = 0;  // Set by Log(): what the record holds, for the queue's and batches' bounds.
};

// A process-unique id for a request that came without one.
std::string NewRequestId();

class RequestLog {
 public:
  // Counts logged requests per model: status "OK" (written), "RESOURCE_EXHAUSTED" (dropped,
  // queue full) or the error code of a failed write.
  using Observer = std::function<void(const std::string& model, const std::string& status,
                                      int64_t requests)>;

  // Loads the Parquet writer library (parquet_writer.h) and starts the writer thread.
  static absl::StatusOr<std::unique_ptr<RequestLog>> Start(const RequestLogOptions& options,
                                                           const std::string& writer_library,
                                                           Observer observer);
  // Writes what is queued and closes every file.
  ~RequestLog();

  // True for a `rate` fraction of calls (a thread-local generator; no lock).
  static bool Sampled(double rate);
  // Queues `record` for writing, or drops it when the queue is full.
  void Log(RequestLogRecord record);

 private:
  struct Writer;
  struct Stream;

  RequestLog(const RequestLogOptions& options, std::unique_ptr<Writer> writer, Observer observer);
  void Loop();
  Stream& StreamFor(const RequestLogRecord& record);
  void Append(RequestLogRecord record);
  void WriteRowGroup(Stream& stream);
  void CloseFile(Stream& stream);

  const RequestLogOptions options_;
  const std::unique_ptr<Writer> writer_;
  const Observer observer_;
  const int64_t row_group_bytes_;

  std::mutex mu_;
  std::condition_variable wake_;
  std::vector<RequestLogRecord> queue_;  // Guarded by mu_.
  int64_t queued_bytes_ = 0;             // Guarded by mu_.
  bool stopping_ = false;                // Guarded by mu_.

  // Touched by the writer thread only.
  std::map<std::pair<std::string, std::string>, std::unique_ptr<Stream>> streams_;
  int64_t files_started_ = 0;
  std::thread thread_;
};

}  // namespace tfx_core::serving

#endif  // OPS_SERVING_REQUEST_LOG_H_
