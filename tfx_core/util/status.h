// Status and StatusOr: how every fallible tfx_core function reports errors.
//
// The core links into both the pybind11 extension and the TensorFlow op library, so it
// carries its own small Status rather than absl's (TensorFlow exports its own absl copy).
// Bindings translate codes in exactly one place each (ops/python/status_casters.h,
// ops/tf/tf_status.h).
#ifndef TFX_CORE_UTIL_STATUS_H_
#define TFX_CORE_UTIL_STATUS_H_

#include <sstream>
#include <string>
#include <utility>
#include <variant>

namespace tfx_core {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,    // The caller's input is wrong; retrying will not help.
  kNotFound,           // A named file or item does not exist.
  kFailedPrecondition, // The system is not in a state to do this (e.g. not configured).
  kUnavailable,        // A resource (e.g. a GPU) is missing on this machine.
  kInternal,           // A bug or an unexpected failure of a lower layer.
};

class Status {
 public:
  Status() = default;  // OK.
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status OK() { return Status(); }
  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Concatenates anything streamable: StrCat("column ", name, " has ", n, " rows").
template <typename... Args>
std::string StrCat(const Args&... args) {
  std::ostringstream out;
  (out << ... << args);
  return out.str();
}

template <typename... Args>
Status InvalidArgument(const Args&... args) {
  return Status(StatusCode::kInvalidArgument, StrCat(args...));
}
template <typename... Args>
Status NotFound(const Args&... args) {
  return Status(StatusCode::kNotFound, StrCat(args...));
}
template <typename... Args>
Status FailedPrecondition(const Args&... args) {
  return Status(StatusCode::kFailedPrecondition, StrCat(args...));
}
template <typename... Args>
Status Unavailable(const Args&... args) {
  return Status(StatusCode::kUnavailable, StrCat(args...));
}
template <typename... Args>
Status Internal(const Args&... args) {
  return Status(StatusCode::kInternal, StrCat(args...));
}

// Either a value or a non-OK Status. Constructing from an OK Status is a bug and becomes
// kInternal.
template <typename T>
class StatusOr {
 public:
  StatusOr(T value) : state_(std::move(value)) {}  // NOLINT: implicit like absl::StatusOr.
  StatusOr(Status status) : state_(std::move(status)) {  // NOLINT
    if (std::get<Status>(state_).ok()) {
      state_ = Status(StatusCode::kInternal, "StatusOr constructed from an OK Status");
    }
  }

  bool ok() const { return std::holds_alternative<T>(state_); }
  Status status() const { return ok() ? Status::OK() : std::get<Status>(state_); }
  // Precondition: ok().
  const T& value() const& { return std::get<T>(state_); }
  T& value() & { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  const T& operator*() const& { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

 private:
  std::variant<Status, T> state_;
};

}  // namespace tfx_core

#define TFX_CORE_CONCAT_INNER_(a, b) a##b
#define TFX_CORE_CONCAT_(a, b) TFX_CORE_CONCAT_INNER_(a, b)

#define TFX_RETURN_IF_ERROR(expr)                 \
  do {                                            \
    ::tfx_core::Status _tfx_status = (expr);      \
    if (!_tfx_status.ok()) return _tfx_status;    \
  } while (0)

#define TFX_ASSIGN_OR_RETURN(lhs, expr) \
  TFX_ASSIGN_OR_RETURN_IMPL_(TFX_CORE_CONCAT_(_tfx_statusor_, __LINE__), lhs, expr)
#define TFX_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                               \
  if (!statusor.ok()) return statusor.status();         \
  lhs = std::move(statusor).value()

#endif  // TFX_CORE_UTIL_STATUS_H_
