#include "ops/serving/request_log.h"

#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <random>
#include <system_error>

#include "absl/types/span.h"
#include "ops/serving/parquet_writer.h"
#include "tensorflow/core/platform/logging.h"

namespace tfx_core::serving {
namespace {

using tensorflow::Tensor;
using Clock = std::chrono::steady_clock;

constexpr int64_t kMaxRowGroupBytes = 32 << 20;
// The writer thread wakes this often to rotate files, or sooner once this many records wait.
constexpr auto kWakeInterval = std::chrono::milliseconds(200);
constexpr size_t kWakeRecords = 4096;
constexpr char kFileSuffix[] = ".parquet";
constexpr char kTemporarySuffix[] = ".inprogress";

// ---- Arrays handed to the writer through the Arrow C data interface ----

// One array (with its schema) built here. It owns its buffers and children until the consumer
// releases it; buffer 0 (validity) is always absent: nothing logged is null.
struct ArrayNode {
  std::string format;
  std::string name;
  int64_t length = 0;
  std::vector<std::vector<char>> storage;
  std::vector<std::unique_ptr<ArrayNode>> children;
};

struct ExportedArray {
  std::unique_ptr<ArrayNode> node;
  std::vector<const void*> buffers;
  std::vector<ArrowArray> children;
  std::vector<ArrowArray*> child_pointers;
};

// The release callback of an exported array or schema: its children first, then what it owns.
template <typename Struct, typename Exported>
void Release(Struct* exported_struct) {
  auto* exported = static_cast<Exported*>(exported_struct->private_data);
  for (Struct& child : exported->children) {
    if (child.release != nullptr) child.release(&child);
  }
  delete exported;
  exported_struct->release = nullptr;
}

void ExportArray(std::unique_ptr<ArrayNode> node, ArrowArray* out) {
  auto* exported = new ExportedArray();
  exported->buffers.push_back(nullptr);
  for (const auto& buffer : node->storage) exported->buffers.push_back(buffer.data());
  exported->children.resize(node->children.size());
  for (size_t i = 0; i < node->children.size(); ++i) {
    ExportArray(std::move(node->children[i]), &exported->children[i]);
    exported->child_pointers.push_back(&exported->children[i]);
  }
  *out = ArrowArray{};
  out->length = node->length;
  out->n_buffers = static_cast<int64_t>(exported->buffers.size());
  out->buffers = exported->buffers.data();
  out->n_children = static_cast<int64_t>(exported->child_pointers.size());
  out->children = exported->child_pointers.data();
  out->release = &Release<ArrowArray, ExportedArray>;
  exported->node = std::move(node);
  out->private_data = exported;
}

struct ExportedSchema {
  std::string format;
  std::string name;
  std::vector<ArrowSchema> children;
  std::vector<ArrowSchema*> child_pointers;
};

void ExportSchema(const ArrayNode& node, ArrowSchema* out) {
  auto* exported = new ExportedSchema{node.format, node.name, {}, {}};
  exported->children.resize(node.children.size());
  for (size_t i = 0; i < node.children.size(); ++i) {
    ExportSchema(*node.children[i], &exported->children[i]);
    exported->child_pointers.push_back(&exported->children[i]);
  }
  *out = ArrowSchema{};
  out->format = exported->format.c_str();
  out->name = exported->name.c_str();
  out->flags = ARROW_FLAG_NULLABLE;
  out->n_children = static_cast<int64_t>(exported->child_pointers.size());
  out->children = exported->child_pointers.data();
  out->release = &Release<ArrowSchema, ExportedSchema>;
  out->private_data = exported;
}

template <typename T>
std::vector<char> Bytes(const std::vector<T>& values) {
  const char* begin = reinterpret_cast<const char*>(values.data());
  return std::vector<char>(begin, begin + values.size() * sizeof(T));
}

// ---- Columns accumulated by the writer thread ----

template <typename T>
struct FixedColumn {
  std::vector<T> values;

  std::unique_ptr<ArrayNode> Finish(const std::string& name, const char* format) {
    auto node = std::make_unique<ArrayNode>();
    node->format = format;
    node->name = name;
    node->length = static_cast<int64_t>(values.size());
    node->storage.push_back(Bytes(values));
    values.clear();
    return node;
  }
};

struct StringColumn {
  std::vector<int32_t> offsets{0};
  std::string data;

  void Append(std::string_view value) {
    data.append(value);
    offsets.push_back(static_cast<int32_t>(data.size()));
  }
  std::unique_ptr<ArrayNode> Finish(const std::string& name, const char* format) {
    auto node = std::make_unique<ArrayNode>();
    node->format = format;
    node->name = name;
    node->length = static_cast<int64_t>(offsets.size()) - 1;
    node->storage.push_back(Bytes(offsets));
    node->storage.push_back(std::vector<char>(data.begin(), data.end()));
    offsets.assign(1, 0);
    data.clear();
    return node;
  }
};

// How a tensor's values are logged: the types the statistics accumulators read.
enum class ValueKind { kFloat, kDouble, kInt64, kBinary, kNone };

ValueKind KindOf(tensorflow::DataType dtype) {
  switch (dtype) {
    case tensorflow::DT_FLOAT:
    case tensorflow::DT_HALF:
    case tensorflow::DT_BFLOAT16:
      return ValueKind::kFloat;
    case tensorflow::DT_DOUBLE:
      return ValueKind::kDouble;
    case tensorflow::DT_BOOL:
    case tensorflow::DT_INT8:
    case tensorflow::DT_INT16:
    case tensorflow::DT_INT32:
    case tensorflow::DT_INT64:
    case tensorflow::DT_UINT8:
    case tensorflow::DT_UINT16:
    case tensorflow::DT_UINT32:
    case tensorflow::DT_UINT64:
      return ValueKind::kInt64;
    case tensorflow::DT_STRING:
      return ValueKind::kBinary;
    default:
      return ValueKind::kNone;  // Complex, resource, variant: not logged.
  }
}

const char* FormatOf(ValueKind kind) {
  switch (kind) {
    case ValueKind::kFloat: return "f";
    case ValueKind::kDouble: return "g";
    case ValueKind::kInt64: return "l";
    default: return "z";
  }
}

// A string tensor's values, for range-for (Eigen's maps have no begin/end).
absl::Span<const tensorflow::tstring> StringValues(const Tensor& tensor) {
  auto flat = tensor.flat<tensorflow::tstring>();
  return absl::Span<const tensorflow::tstring>(flat.data(), flat.size());
}

template <typename From, typename To>
void AppendCast(const Tensor& tensor, std::vector<To>* out) {
  auto flat = tensor.flat<From>();
  const size_t start = out->size();
  out->resize(start + flat.size());
  for (int64_t i = 0; i < flat.size(); ++i) (*out)[start + i] = static_cast<To>(flat(i));
}

// A list<value> column: row r holds the values of slice r of that row's tensor.
class TensorColumn {
 public:
  explicit TensorColumn(ValueKind kind) : kind_(kind) {}

  // Appends `tensor` as `rows` rows of equal size (its flattened values split evenly).
  void AppendRows(const Tensor& tensor, int64_t rows) {
    const int64_t start = values_;
    switch (tensor.dtype()) {
      case tensorflow::DT_FLOAT: AppendCast<float>(tensor, &floats_); break;
      case tensorflow::DT_HALF: AppendCast<Eigen::half>(tensor, &floats_); break;
      case tensorflow::DT_BFLOAT16: AppendCast<tensorflow::bfloat16>(tensor, &floats_); break;
      case tensorflow::DT_DOUBLE: AppendCast<double>(tensor, &doubles_); break;
      case tensorflow::DT_BOOL: AppendCast<bool>(tensor, &ints_); break;
      case tensorflow::DT_INT8: AppendCast<int8_t>(tensor, &ints_); break;
      case tensorflow::DT_INT16: AppendCast<int16_t>(tensor, &ints_); break;
      case tensorflow::DT_INT32: AppendCast<int32_t>(tensor, &ints_); break;
      case tensorflow::DT_INT64: AppendCast<int64_t>(tensor, &ints_); break;
      case tensorflow::DT_UINT8: AppendCast<uint8_t>(tensor, &ints_); break;
      case tensorflow::DT_UINT16: AppendCast<uint16_t>(tensor, &ints_); break;
      case tensorflow::DT_UINT32: AppendCast<uint32_t>(tensor, &ints_); break;
      case tensorflow::DT_UINT64: AppendCast<uint64_t>(tensor, &ints_); break;
      case tensorflow::DT_STRING:
        for (const tensorflow::tstring& value : StringValues(tensor)) {
          strings_.Append(std::string_view(value.data(), value.size()));
        }
        break;
      default: break;
    }
    values_ += tensor.NumElements();
    const int64_t per_row = rows > 0 ? tensor.NumElements() / rows : 0;
    for (int64_t r = 1; r <= rows; ++r) {
      list_offsets_.push_back(static_cast<int32_t>(r == rows ? values_ : start + r * per_row));
    }
  }

  std::unique_ptr<ArrayNode> Finish(const std::string& name) {
    auto node = std::make_unique<ArrayNode>();
    node->format = "+l";
    node->name = name;
    node->length = static_cast<int64_t>(list_offsets_.size()) - 1;
    node->storage.push_back(Bytes(list_offsets_));
    const char* format = FormatOf(kind_);
    switch (kind_) {
      case ValueKind::kFloat: node->children.push_back(FixedColumn<float>{std::move(floats_)}.Finish("item", format)); break;
      case ValueKind::kDouble: node->children.push_back(FixedColumn<double>{std::move(doubles_)}.Finish("item", format)); break;
      case ValueKind::kInt64: node->children.push_back(FixedColumn<int64_t>{std::move(ints_)}.Finish("item", format)); break;
      default: node->children.push_back(strings_.Finish("item", format)); break;
    }
    list_offsets_.assign(1, 0);
    values_ = 0;
    floats_.clear();
    doubles_.clear();
    ints_.clear();
    return node;
  }

 private:
  const ValueKind kind_;
  std::vector<int32_t> list_offsets_{0};
  int64_t values_ = 0;
  std::vector<float> floats_;
  std::vector<double> doubles_;
  std::vector<int64_t> ints_;
  StringColumn strings_;
};

// The loggable tensors of a record, sorted by alias (requests may name them in any order).
std::vector<const std::pair<std::string, Tensor>*> Loggable(const NamedTensors& tensors) {
  std::vector<const std::pair<std::string, Tensor>*> out;
  for (const auto& named : tensors) {
    if (KindOf(named.second.dtype()) != ValueKind::kNone) out.push_back(&named);
  }
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->first < b->first; });
  return out;
}

// What decides a file's schema: every logged tensor's alias and value kind.
std::string LayoutOf(const RequestLogRecord& record) {
  std::string layout;
  for (const NamedTensors* side : {&record.inputs, &record.outputs}) {
    for (const auto* named : Loggable(*side)) {
      layout += named->first;
      layout += '\0';
      layout += static_cast<char>('0' + static_cast<int>(KindOf(named->second.dtype())));
    }
    layout += '\1';
  }
  return layout;
}

// Examples in a record: the batch dimension its tensors share, or 1 (the whole tensors).
int64_t RowsOf(const RequestLogRecord& record) {
  int64_t rows = -1;
  for (const NamedTensors* side : {&record.inputs, &record.outputs}) {
    for (const auto* named : Loggable(*side)) {
      const Tensor& tensor = named->second;
      if (tensor.dims() == 0) return 1;
      if (rows >= 0 && tensor.dim_size(0) != rows) return 1;
      rows = tensor.dim_size(0);
    }
  }
  return std::max<int64_t>(rows, 1);
}

int64_t BytesOf(const NamedTensors& tensors) {
  int64_t bytes = 0;
  for (const auto& [alias, tensor] : tensors) {
    bytes += static_cast<int64_t>(alias.size());
    if (tensor.dtype() == tensorflow::DT_STRING) {
      for (const auto& value : StringValues(tensor)) bytes += value.size() + 4;
    } else {
      bytes += static_cast<int64_t>(tensor.TotalBytes());
    }
  }
  return bytes;
}

// A directory name for a model: its name with path separators and a leading dot replaced.
std::string DirectoryName(std::string model) {
  std::replace(model.begin(), model.end(), '/', '_');
  if (!model.empty() && model[0] == '.') model[0] = '_';
  return model;
}

std::string UtcStamp(int64_t time_us) {
  const std::time_t seconds = static_cast<std::time_t>(time_us / 1'000'000);
  std::tm tm;
  gmtime_r(&seconds, &tm);
  char stamp[40];
  const size_t n = std::strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm);
  std::snprintf(stamp + n, sizeof(stamp) - n, ".%06lldZ",
                static_cast<long long>(time_us % 1'000'000));
  return stamp;
}

}  // namespace

std::string NewRequestId() {
  static const uint64_t process = std::random_device()() * 0x100000000ull ^ std::random_device()();
  static std::atomic<uint64_t> next{0};
  char id[40];
  std::snprintf(id, sizeof(id), "%016llx-%llu", static_cast<unsigned long long>(process),
                static_cast<unsigned long long>(next.fetch_add(1, std::memory_order_relaxed)));
  return id;
}

// The writer library's entry points.
struct RequestLog::Writer {
  TfxCoreParquetCreateFn create;
  TfxCoreParquetAppendFn append;
  TfxCoreParquetCloseFn close;
  TfxCoreParquetFreeErrorFn free_error;

  std::string TakeError(char* error) const {
    std::string message = error != nullptr ? error : "unknown error";
    if (error != nullptr) free_error(error);
    return message;
  }
};

// The rows of one model and signature waiting for their file.
struct RequestLog::Stream {
  std::string model;
  std::string layout;
  std::vector<std::string> input_names, output_names;

  StringColumn request_id, model_name, signature_name, frontend;
  FixedColumn<int32_t> example_index;
  FixedColumn<int64_t> time, model_version, latency_us;
  std::vector<TensorColumn> inputs, outputs;
  int64_t rows = 0;
  int64_t records = 0;
  int64_t pending_bytes = 0;

  // The file being written, if any.
  TfxCoreParquetFile* file = nullptr;
  std::string temporary_path, final_path;
  int64_t file_bytes = 0;
  int64_t file_records = 0;
  Clock::time_point started;  // When its first row arrived...
  int64_t started_us = 0;     // ...and that row's request time, which names the file.
  bool failing = false;       // Its last write failed (logged once until one succeeds).

  // The whole batch as one struct array, the columns reset.
  std::unique_ptr<ArrayNode> Finish() {
    auto batch = std::make_unique<ArrayNode>();
    batch->format = "+s";
    batch->length = rows;
    auto& c = batch->children;
    c.push_back(request_id.Finish("request_id", "u"));
    c.push_back(example_index.Finish("example_index", "i"));
    c.push_back(time.Finish("time", "tsu:UTC"));
    c.push_back(model_name.Finish("model_name", "u"));
    c.push_back(model_version.Finish("model_version", "l"));
    c.push_back(signature_name.Finish("signature_name", "u"));
    c.push_back(frontend.Finish("frontend", "u"));
    c.push_back(latency_us.Finish("latency_us", "l"));
    for (auto [columns, names, side] : {std::tuple(&inputs, &input_names, "inputs"),
                                        std::tuple(&outputs, &output_names, "outputs")}) {
      auto group = std::make_unique<ArrayNode>();
      group->format = "+s";
      group->name = side;
      group->length = rows;
      for (size_t i = 0; i < columns->size(); ++i) {
        group->children.push_back((*columns)[i].Finish((*names)[i]));
      }
      c.push_back(std::move(group));
    }
    rows = 0;
    pending_bytes = 0;
    return batch;
  }
};

absl::StatusOr<std::unique_ptr<RequestLog>> RequestLog::Start(const RequestLogOptions& options,
                                                              const std::string& writer_library,
                                                              Observer observer) {
  std::error_code error;
  std::filesystem::create_directories(options.directory, error);
  if (error) {
    return absl::FailedPreconditionError("--request_log_dir: cannot create " + options.directory +
                                         ": " + error.message());
  }
  if (access(options.directory.c_str(), W_OK) != 0) {
    return absl::FailedPreconditionError("--request_log_dir: " + options.directory +
                                         " is not writable");
  }
  if (options.max_file_bytes <= 0 || options.max_file_seconds <= 0 ||
      options.max_queue_bytes <= 0) {
    return absl::InvalidArgumentError(
        "--request_log_max_file_bytes, --request_log_max_file_seconds and "
        "--request_log_max_queue_bytes must be positive");
  }
  // DEEPBIND: the writer's Arrow binds to its own bundled libraries, not TensorFlow's.
  void* library = dlopen(writer_library.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
  if (library == nullptr) {
    return absl::FailedPreconditionError("cannot load the request log writer " + writer_library +
                                         ": " + dlerror() + " (pyarrow must be the version "
                                         "tfx_core was built with)");
  }
  auto writer = std::make_unique<Writer>();
  writer->create = reinterpret_cast<TfxCoreParquetCreateFn>(dlsym(library, TFX_CORE_PARQUET_CREATE));
  writer->append = reinterpret_cast<TfxCoreParquetAppendFn>(dlsym(library, TFX_CORE_PARQUET_APPEND));
  writer->close = reinterpret_cast<TfxCoreParquetCloseFn>(dlsym(library, TFX_CORE_PARQUET_CLOSE));
  writer->free_error =
      reinterpret_cast<TfxCoreParquetFreeErrorFn>(dlsym(library, TFX_CORE_PARQUET_FREE_ERROR));
  if (!writer->create || !writer->append || !writer->close || !writer->free_error) {
    return absl::FailedPreconditionError(writer_library + " lacks the request log writer's "
                                         "functions; reinstall tfx_core");
  }
  // The library stays loaded for the life of the process, like the gRPC front end.
  return std::unique_ptr<RequestLog>(new RequestLog(options, std::move(writer),
                                                    std::move(observer)));
}

RequestLog::RequestLog(const RequestLogOptions& options, std::unique_ptr<Writer> writer,
                       Observer observer)
    : options_(options),
      writer_(std::move(writer)),
      observer_(std::move(observer)),
      row_group_bytes_(std::min(kMaxRowGroupBytes, options.max_file_bytes)) {
  thread_ = std::thread([this] { Loop(); });
}

RequestLog::~RequestLog() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

bool RequestLog::Sampled(double rate) {
  if (rate >= 1) return true;
  if (rate <= 0) return false;
  thread_local std::minstd_rand generator(std::random_device{}());
  return std::uniform_real_distribution<double>(0, 1)(generator) < rate;
}

void RequestLog::Log(RequestLogRecord record) {
  record.bytes = BytesOf(record.inputs) + BytesOf(record.outputs);
  const int64_t bytes = record.bytes;
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (queued_bytes_ + bytes > options_.max_queue_bytes) {
      if (observer_) observer_(record.model, "RESOURCE_EXHAUSTED", 1);
      return;
    }
    queued_bytes_ += bytes;
    queue_.push_back(std::move(record));
    wake = queue_.size() == kWakeRecords;
  }
  if (wake) wake_.notify_one();
}

void RequestLog::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    wake_.wait_for(lock, kWakeInterval,
                   [this] { return stopping_ || queue_.size() >= kWakeRecords; });
    std::vector<RequestLogRecord> records;
    records.swap(queue_);
    queued_bytes_ = 0;
    const bool stopping = stopping_;
    lock.unlock();
    for (RequestLogRecord& record : records) Append(std::move(record));
    records.clear();
    const auto now = Clock::now();
    for (auto& [key, stream] : streams_) {
      if (stream->rows == 0 && stream->file == nullptr) continue;
      if (stopping || now - stream->started >= std::chrono::seconds(options_.max_file_seconds)) {
        if (stream->rows > 0) WriteRowGroup(*stream);
        CloseFile(*stream);
      }
    }
    lock.lock();
    if (stopping && queue_.empty()) return;
  }
}

RequestLog::Stream& RequestLog::StreamFor(const RequestLogRecord& record) {
  std::unique_ptr<Stream>& stream = streams_[{record.model, record.signature}];
  const std::string layout = LayoutOf(record);
  if (stream != nullptr && stream->layout == layout) return *stream;
  // A new layout (another version's signature, an output filter) starts a new file.
  if (stream != nullptr) {
    if (stream->rows > 0) WriteRowGroup(*stream);
    CloseFile(*stream);
  }
  stream = std::make_unique<Stream>();
  stream->model = record.model;
  stream->layout = layout;
  for (auto [side, names, columns] :
       {std::tuple(&record.inputs, &stream->input_names, &stream->inputs),
        std::tuple(&record.outputs, &stream->output_names, &stream->outputs)}) {
    for (const auto* named : Loggable(*side)) {
      names->push_back(named->first);
      columns->emplace_back(KindOf(named->second.dtype()));
    }
  }
  return *stream;
}

void RequestLog::Append(RequestLogRecord record) {
  Stream& s = StreamFor(record);
  if (s.rows == 0 && s.file == nullptr) {
    s.started = Clock::now();
    s.started_us = record.time_us;
  }
  const int64_t rows = RowsOf(record);
  for (int64_t i = 0; i < rows; ++i) {
    s.request_id.Append(record.request_id);
    s.example_index.values.push_back(static_cast<int32_t>(i));
    s.time.values.push_back(record.time_us);
    s.model_name.Append(record.model);
    s.model_version.values.push_back(record.version);
    s.signature_name.Append(record.signature);
    s.frontend.Append(record.frontend);
    s.latency_us.values.push_back(record.latency_us);
  }
  for (auto [side, columns] : {std::pair(&record.inputs, &s.inputs),
                               std::pair(&record.outputs, &s.outputs)}) {
    const auto loggable = Loggable(*side);
    for (size_t i = 0; i < loggable.size(); ++i) (*columns)[i].AppendRows(loggable[i]->second, rows);
  }
  s.rows += rows;
  ++s.records;
  s.pending_bytes += record.bytes + rows * 64;  // 64: the metadata columns of a row, roughly.
  if (s.pending_bytes >= row_group_bytes_) {
    WriteRowGroup(s);
    if (s.file_bytes >= options_.max_file_bytes) CloseFile(s);
  }
}

void RequestLog::WriteRowGroup(Stream& s) {
  const int64_t records = s.records;
  s.records = 0;
  std::unique_ptr<ArrayNode> batch = s.Finish();
  auto fail = [&](const std::string& message) {
    if (!s.failing) LOG(ERROR) << "request log: " << message << " (dropping rows until it works)";
    s.failing = true;
    if (observer_) observer_(s.model, "INTERNAL", records);
  };
  if (s.file == nullptr) {
    const std::string directory = options_.directory + "/" + DirectoryName(s.model);
    std::error_code error;
    std::filesystem::create_directories(directory, error);
    const std::string name = UtcStamp(s.started_us) + "-" + std::to_string(getpid()) + "-" +
                             std::to_string(files_started_++) + kFileSuffix;
    s.final_path = directory + "/" + name;
    s.temporary_path = directory + "/." + name + kTemporarySuffix;
    ArrowSchema schema;
    ExportSchema(*batch, &schema);
    char* message = nullptr;
    s.file = writer_->create(s.temporary_path.c_str(), &schema, &message);
    if (schema.release != nullptr) schema.release(&schema);
    if (s.file == nullptr) return fail(writer_->TakeError(message));
    s.file_bytes = 0;
    s.file_records = 0;
  }
  ArrowArray array;
  ExportArray(std::move(batch), &array);
  char* message = nullptr;
  const int64_t written = writer_->append(s.file, &array, &message);
  if (array.release != nullptr) array.release(&array);
  if (written < 0) return fail(s.temporary_path + ": " + writer_->TakeError(message));
  s.failing = false;
  s.file_bytes = written;
  s.file_records += records;
}

void RequestLog::CloseFile(Stream& s) {
  if (s.file == nullptr) return;
  char* message = nullptr;
  const bool closed = writer_->close(s.file, &message) == 0;
  s.file = nullptr;
  std::error_code error;
  if (closed) std::filesystem::rename(s.temporary_path, s.final_path, error);
  if (!closed || error) {
    LOG(ERROR) << "request log: cannot finish " << s.final_path << ": "
               << (closed ? error.message() : writer_->TakeError(message));
    if (observer_) observer_(s.model, "INTERNAL", s.file_records);
  } else if (observer_) {
    observer_(s.model, "OK", s.file_records);
  }
  s.file_records = 0;
}

}  // namespace tfx_core::serving
