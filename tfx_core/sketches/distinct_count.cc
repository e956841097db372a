#include "tfx_core/sketches/distinct_count.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "tfx_core/sketches/bytes.h"
#include "tfx_core/sketches/hash.h"

namespace tfx_core {
namespace {


}  // namespace

DistinctCountSketch::DistinctCountSketch(int precision, size_t exact_limit)
    : precision_(std::clamp(precision, 4, 18)), exact_limit_(exact_limit) {}

void DistinctCountSketch::Update(std::string_view value) { UpdateHash(HashBytes(value)); }

void DistinctCountSketch::UpdateHash(uint64_t hash) {
  if (exact()) {
    exact_.insert(hash);
    if (exact_.size() > exact_limit_) ToRegisters();
  } else {
    AddToRegisters(hash);
  }
}

void DistinctCountSketch::AddToRegisters(uint64_t hash) {
  // The top `precision` bits pick a register; it keeps the longest run of leading zeros (+1)
  // seen in the remaining bits.
  const uint64_t index = hash >> (64 - precision_);
  const uint64_t rest = (hash << precision_) | (uint64_t{1} << (precision_ - 1));
  const uint8_t rank = static_cast<uint8_t>(__builtin_clzll(rest) + 1);
  registers_[index] = std::max(registers_[index], rank);
}

void DistinctCountSketch::ToRegisters() {
  registers_.assign(size_t{1} << precision_, 0);
  for (uint64_t hash : exact_) AddToRegisters(hash);
  exact_.clear();
}

Status DistinctCountSketch::Merge(const DistinctCountSketch& other) {
  if (other.precision_ != precision_) {
    return InvalidArgument("cannot merge distinct-count sketches of precision ", precision_,
                           " and ", other.precision_);
  }
  if (other.exact()) {
    for (uint64_t hash : other.exact_) UpdateHash(hash);
    return Status::OK();
  }
  if (exact()) ToRegisters();
  for (size_t i = 0; i < registers_.size(); ++i) {
    registers_[i] = std::max(registers_[i], other.registers_[i]);
  }
  return Status::OK();
}

double DistinctCountSketch::Estimate() const {
  if (exact()) return static_cast<double>(exact_.size());
  const double m = static_cast<double>(registers_.size());
  double inverse_sum = 0.0;
  size_t zeros = 0;
  for (uint8_t r : registers_) {
    inverse_sum += std::ldexp(1.0, -r);
    zeros += r == 0;
  }
  const double alpha = 0.7213 / (1.0 + 1.079 / m);
  const double raw = alpha * m * m / inverse_sum;
  // Small range: linear counting over empty registers is more accurate (Flajolet et al.).
  if (raw <= 2.5 * m && zeros > 0) return m * std::log(m / static_cast<double>(zeros));
  return raw;
}

double DistinctCountSketch::RelativeStandardError() const {
  return exact() ? 0.0 : 1.04 / std::sqrt(static_cast<double>(size_t{1} << precision_));
}

std::string DistinctCountSketch::Serialize() const {
  std::string out = StateHeader(StateKind::kDistinctCountSketch);
  const bool is_exact = exact();
  PutBytes(&out, static_cast<int32_t>(precision_));
  PutBytes(&out, static_cast<uint64_t>(exact_limit_));
  PutBytes(&out, static_cast<uint8_t>(is_exact));
  if (is_exact) {
    std::vector<uint64_t> hashes(exact_.begin(), exact_.end());
    std::sort(hashes.begin(), hashes.end());  // Same content, same bytes.
    PutArray(&out, hashes.data(), hashes.size());
  } else {
    PutArray(&out, registers_.data(), registers_.size());
  }
  return out;
}

StatusOr<DistinctCountSketch> DistinctCountSketch::Deserialize(const std::string& bytes) {
  size_t pos = 0;
  TFX_RETURN_IF_ERROR(CheckStateHeader(bytes, StateKind::kDistinctCountSketch, &pos));
  int32_t precision;
  uint64_t limit;
  uint8_t is_exact;
  if (!GetBytes(bytes, &pos, &precision) || !GetBytes(bytes, &pos, &limit) ||
      !GetBytes(bytes, &pos, &is_exact)) {
    return InvalidArgument("truncated distinct-count sketch");
  }
  if (precision < 4 || precision > 18) {
    return InvalidArgument("serialized distinct-count sketch has precision ", precision,
                           "; expected 4 to 18");
  }
  DistinctCountSketch sketch(precision, limit);
  const size_t body = bytes.size() - pos;
  if (is_exact) {
    if (body % sizeof(uint64_t) != 0) {
      return InvalidArgument("serialized distinct-count sketch has a partial hash (", body,
                             " body bytes)");
    }
    std::vector<uint64_t> hashes(body / sizeof(uint64_t));
    GetArray(bytes, &pos, hashes.data(), hashes.size());
    sketch.exact_.insert(hashes.begin(), hashes.end());
  } else {
    if (body != (size_t{1} << precision)) {
      return InvalidArgument("serialized distinct-count sketch has ", body,
                             " registers; precision ", precision, " needs ",
                             size_t{1} << precision);
    }
    sketch.registers_.assign(bytes.begin() + pos, bytes.end());
  }
  return sketch;
}

}  // namespace tfx_core
