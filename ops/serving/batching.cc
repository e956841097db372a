#include "ops/serving/batching.h"

#include <algorithm>
#include <chrono>

#include "tensorflow/core/framework/register_types.h"
#include "tensorflow/core/framework/tensor_util.h"

namespace tfx_core::serving {

using Clock = std::chrono::steady_clock;
using tensorflow::Tensor;

namespace {

// Copies `from` into the leading corner of `to` (same rank, every dimension at least as big).
template <typename T>
void CopyInto(const Tensor& from, Tensor* to) {
  const int rank = from.dims();
  const auto source = from.flat<T>();
  auto target = to->flat<T>();
  std::vector<int64_t> index(rank, 0);
  for (int64_t i = 0; i < source.size(); ++i) {
    int64_t offset = 0;
    for (int d = 0; d < rank; ++d) offset = offset * to->dim_size(d) + index[d];
    target(offset) = source(i);
    for (int d = rank - 1; d >= 0 && ++index[d] == from.dim_size(d); --d) index[d] = 0;
  }
}

// `tensor` padded to `shape` with its first element (TF Serving's AddPadding).
template <typename T>
Tensor PadWithFirst(const Tensor& tensor, const tensorflow::TensorShape& shape) {
  Tensor padded(tensor.dtype(), shape);
  padded.flat<T>().setConstant(tensor.flat<T>()(0));
  CopyInto<T>(tensor, &padded);
  return padded;
}

// Pads every part to the largest size of each dimension beyond 0 among them.
absl::Status PadToCommonShape(std::vector<Tensor>* parts) {
  tensorflow::TensorShape shape = parts->front().shape();
  for (const Tensor& part : *parts) {
    for (int d = 1; d < shape.dims(); ++d) {
      shape.set_dim(d, std::max(shape.dim_size(d), part.dim_size(d)));
    }
  }
  for (Tensor& part : *parts) {
    tensorflow::TensorShape target = shape;
    target.set_dim(0, part.dim_size(0));
    if (target == part.shape()) continue;
    switch (part.dtype()) {
#define TFX_CORE_PAD_CASE(T)                  \
  case tensorflow::DataTypeToEnum<T>::value:  \
    part = PadWithFirst<T>(part, target);     \
    break;
      TF_CALL_POD_TYPES(TFX_CORE_PAD_CASE)
      TF_CALL_tstring(TFX_CORE_PAD_CASE)
#undef TFX_CORE_PAD_CASE
      default:
        return absl::InvalidArgumentError("pad_variable_length_inputs cannot pad " +
                                          tensorflow::DataTypeString(part.dtype()) + " inputs");
    }
  }
  return absl::OkStatus();
}

}  // namespace

struct BatchScheduler::Task {
  const Servable* servable;
  const tensorflow::SignatureDef* signature;
  const NamedTensors* inputs;
  const std::vector<std::string>* output_filter;
  int64_t rows;
  Clock::time_point enqueued;
  Clock::time_point deadline;
  bool started = false;  // Guarded by the scheduler's mutex.

  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  absl::Status status;
  NamedTensors outputs;

  void Finish(absl::Status s, NamedTensors out = {}) {
    std::lock_guard<std::mutex> lock(mu);
    status = std::move(s);
    outputs = std::move(out);
    done = true;
    cv.notify_all();
  }
};

absl::StatusOr<BatchingOptions> BatchingOptionsFrom(
    const tensorflow::serving::BatchingParameters& p) {
  BatchingOptions o;
  if (p.has_max_batch_size()) o.max_batch_size = p.max_batch_size().value();
  if (p.has_batch_timeout_micros()) o.batch_timeout_micros = p.batch_timeout_micros().value();
  if (p.has_max_enqueued_batches()) o.max_enqueued_batches = p.max_enqueued_batches().value();
  if (p.has_num_batch_threads()) o.num_batch_threads = p.num_batch_threads().value();
  o.allowed_batch_sizes.assign(p.allowed_batch_sizes().begin(), p.allowed_batch_sizes().end());
  if (o.max_batch_size < 1) {
    return absl::InvalidArgumentError("BatchingParameters: max_batch_size must be >= 1");
  }
  if (o.batch_timeout_micros < 0 || o.max_enqueued_batches < 1 || o.num_batch_threads < 0) {
    return absl::InvalidArgumentError("BatchingParameters: batch_timeout_micros must be >= 0, "
                                      "max_enqueued_batches >= 1 and num_batch_threads >= 0");
  }
  for (size_t i = 0; i < o.allowed_batch_sizes.size(); ++i) {
    if (o.allowed_batch_sizes[i] < 1 ||
        (i > 0 && o.allowed_batch_sizes[i] <= o.allowed_batch_sizes[i - 1])) {
      return absl::InvalidArgumentError(
          "BatchingParameters: allowed_batch_sizes must be positive and increasing");
    }
  }
  if (!o.allowed_batch_sizes.empty() && o.allowed_batch_sizes.back() != o.max_batch_size) {
    return absl::InvalidArgumentError(
        "BatchingParameters: the last entry of allowed_batch_sizes must equal max_batch_size");
  }
  o.pad_variable_length_inputs = p.pad_variable_length_inputs();
  return o;
}

BatchScheduler::BatchScheduler(BatchingOptions options, BatchObserver on_batch,
                               BatchObserver on_queue)
    : options_(std::move(options)), on_batch_(std::move(on_batch)), on_queue_(std::move(on_queue)) {
  const int64_t n = options_.num_batch_threads > 0
                        ? options_.num_batch_threads
                        : std::max<int64_t>(1, std::thread::hardware_concurrency());
  for (int64_t i = 0; i < n; ++i) threads_.emplace_back([this] { Work(); });
}

BatchScheduler::~BatchScheduler() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  for (auto& t : threads_) t.join();
}

absl::Status BatchScheduler::Run(const Servable& servable,
                                 const tensorflow::SignatureDef& signature,
                                 const NamedTensors& inputs,
                                 const std::vector<std::string>& output_filter, int64_t timeout_ms,
                                 NamedTensors* outputs) {
  // Requests batch together only when their shapes agree beyond dimension 0 (the key below).
  // Only inputs that share a batch dimension can be batched; anything else runs alone.
  int64_t rows = -1;
  for (const auto& [alias, tensor] : inputs) {
    if (tensor.dims() == 0 || (rows >= 0 && tensor.dim_size(0) != rows)) {
      return RunSignatureUnbatched(servable, signature, inputs, output_filter, timeout_ms, outputs);
    }
    rows = tensor.dim_size(0);
  }
  if (rows <= 0) return RunSignatureUnbatched(servable, signature, inputs, output_filter, timeout_ms, outputs);
  if (rows > options_.max_batch_size) {
    return absl::InvalidArgumentError("Task size " + std::to_string(rows) +
                                      " is larger than maximum batch size " +
                                      std::to_string(options_.max_batch_size));
  }
  std::string key = std::to_string(reinterpret_cast<uintptr_t>(&servable)) + "|" +
                    std::to_string(reinterpret_cast<uintptr_t>(&signature)) + "|";
  for (const auto& [alias, tensor] : inputs) {
    key += alias + ":";
    if (options_.pad_variable_length_inputs) {
      if (tensor.NumElements() == 0) {
        return absl::InvalidArgumentError("input '" + alias + "' is empty: with "
                                          "pad_variable_length_inputs it needs a first element "
                                          "to pad with");
      }
      key += std::to_string(tensor.dims()) + ",";  // Padding keeps the rank.
    } else {
      for (int d = 1; d < tensor.dims(); ++d) key += std::to_string(tensor.dim_size(d)) + ",";
    }
  }
  for (const auto& alias : output_filter) key += "|" + alias;

  Task task;
  task.servable = &servable;
  task.signature = &signature;
  task.inputs = &inputs;
  task.output_filter = &output_filter;
  task.rows = rows;
  task.enqueued = Clock::now();
  task.deadline = timeout_ms > 0 ? task.enqueued + std::chrono::milliseconds(timeout_ms)
                                 : Clock::time_point::max();
  {
    std::lock_guard<std::mutex> lock(mu_);
    Queue& queue = queues_[key];
    const int64_t batches = (queue.rows + rows + options_.max_batch_size - 1) /
                            options_.max_batch_size;
    if (batches > options_.max_enqueued_batches) {
      if (queue.tasks.empty()) queues_.erase(key);
      return absl::ResourceExhaustedError(
          "The batch scheduling queue to which this task was submitted is full (" +
          std::to_string(options_.max_enqueued_batches) + " batches of up to " +
          std::to_string(options_.max_batch_size) + " rows); retry later");
    }
    queue.tasks.push_back(&task);
    queue.rows += rows;
    if (on_queue_) on_queue_(servable.name, queue.rows);
  }
  work_cv_.notify_one();

  std::unique_lock<std::mutex> wait(task.mu);
  if (!task.cv.wait_until(wait, task.deadline, [&] { return task.done; })) {
    wait.unlock();
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!task.started) {
        Queue& queue = queues_[key];
        queue.tasks.erase(std::find(queue.tasks.begin(), queue.tasks.end(), &task));
        queue.rows -= rows;
        if (queue.tasks.empty()) queues_.erase(key);
        return absl::DeadlineExceededError("the request's deadline passed while it waited for a "
                                           "batch");
      }
    }
    wait.lock();
    task.cv.wait(wait, [&] { return task.done; });
  }
  *outputs = std::move(task.outputs);
  return task.status;
}

BatchScheduler::Queue* BatchScheduler::Due(Clock::time_point* next_due, std::string* key) {
  const Clock::time_point now = Clock::now();
  *next_due = Clock::time_point::max();
  const auto timeout = std::chrono::microseconds(options_.batch_timeout_micros);
  for (auto& [k, queue] : queues_) {
    if (queue.tasks.empty()) continue;
    const Clock::time_point due = queue.tasks.front()->enqueued + timeout;
    if (stopping_ || queue.rows >= options_.max_batch_size || due <= now) {
      *key = k;
      return &queue;
    }
    *next_due = std::min(*next_due, due);
  }
  return nullptr;
}

void BatchScheduler::Work() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    Clock::time_point next_due;
    std::string key;
    Queue* queue = Due(&next_due, &key);
    if (queue == nullptr) {
      if (stopping_) return;
      if (next_due == Clock::time_point::max()) {
        work_cv_.wait(lock);
      } else {
        work_cv_.wait_until(lock, next_due);
      }
      continue;
    }
    std::vector<Task*> batch;
    int64_t rows = 0;
    while (!queue->tasks.empty() &&
           rows + queue->tasks.front()->rows <= options_.max_batch_size) {
      Task* task = queue->tasks.front();
      queue->tasks.pop_front();
      task->started = true;
      rows += task->rows;
      batch.push_back(task);
    }
    queue->rows -= rows;
    const std::string model = batch.front()->servable->name;
    if (on_queue_) on_queue_(model, queue->rows);
    if (queue->tasks.empty()) queues_.erase(key);
    lock.unlock();
    RunBatch(std::move(batch));
    lock.lock();
  }
}

void BatchScheduler::RunBatch(std::vector<Task*> batch) {
  const Task& first = *batch.front();
  int64_t rows = 0;
  Clock::time_point deadline = Clock::time_point::min();
  for (const Task* t : batch) {
    rows += t->rows;
    deadline = std::max(deadline, t->deadline);
  }
  int64_t padded = rows;
  for (int64_t size : options_.allowed_batch_sizes) {
    if (size >= rows) {
      padded = size;
      break;
    }
  }
  if (on_batch_) on_batch_(first.servable->name, padded);
  int64_t timeout_ms = 0;
  if (deadline != Clock::time_point::max()) {
    timeout_ms = std::max<int64_t>(1, std::chrono::duration_cast<std::chrono::milliseconds>(
                                          deadline - Clock::now()).count());
  }

  if (batch.size() == 1 && padded == rows) {
    NamedTensors outputs;
    absl::Status status = RunSignatureUnbatched(*first.servable, *first.signature, *first.inputs,
                                       *first.output_filter, timeout_ms, &outputs);
    batch.front()->Finish(std::move(status), std::move(outputs));
    return;
  }

  auto fail_all = [&](const absl::Status& status) {
    for (Task* t : batch) t->Finish(status);
  };
  NamedTensors inputs;
  for (const auto& [alias, unused] : *first.inputs) {
    std::vector<Tensor> parts;
    parts.reserve(batch.size() + 1);
    for (const Task* t : batch) {
      for (const auto& [a, tensor] : *t->inputs) {
        if (a == alias) parts.push_back(tensor);
      }
    }
    if (options_.pad_variable_length_inputs) {
      absl::Status status = PadToCommonShape(&parts);
      if (!status.ok()) return fail_all(status);
    }
    if (padded > rows) {
      // Padding rows repeat the first row; their outputs are dropped.
      Tensor row = parts.front().Slice(0, 1);
      for (int64_t i = rows; i < padded; ++i) parts.push_back(row);
    }
    Tensor merged;
    absl::Status status = tensorflow::tensor::Concat(parts, &merged);
    if (!status.ok()) return fail_all(status);
    inputs.emplace_back(alias, std::move(merged));
  }
  NamedTensors outputs;
  absl::Status status = RunSignatureUnbatched(*first.servable, *first.signature, inputs,
                                     *first.output_filter, timeout_ms, &outputs);
  if (!status.ok()) return fail_all(status);

  std::vector<int64_t> sizes;
  for (const Task* t : batch) sizes.push_back(t->rows);
  if (padded > rows) sizes.push_back(padded - rows);
  std::vector<NamedTensors> per_task(batch.size());
  for (const auto& [alias, tensor] : outputs) {
    if (tensor.dims() == 0 || tensor.dim_size(0) != padded) {
      return fail_all(absl::FailedPreconditionError(
          "batching: output '" + alias + "' has shape " + tensor.shape().DebugString() +
          ", not a batch of " + std::to_string(padded) + " rows; serve this model without "
          "--enable_batching"));
    }
    std::vector<Tensor> pieces;
    status = tensorflow::tensor::Split(tensor, sizes, &pieces);
    if (!status.ok()) return fail_all(status);
    for (size_t i = 0; i < batch.size(); ++i) per_task[i].emplace_back(alias, std::move(pieces[i]));
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    batch[i]->Finish(absl::OkStatus(), std::move(per_task[i]));
  }
}

}  // namespace tfx_core::serving
