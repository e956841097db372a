// StringTable<V>: a string -> V hash map for analyzers that count or aggregate per token.
//
// Keys live back to back in one buffer and entries in insertion order, indexed by an
// open-addressing table of int32 slots (load <= 1/2): a table of N keys costs their bytes plus
// about 24 + sizeof(V) bytes per key, so a 1M-token vocabulary stays in tens of MB.
// Limits: fewer than 2^31 keys (int32 slots), each shorter than 4 GiB; callers check with
// CanInsert. Not thread-safe; one table per analyzer per worker, merged afterwards.
#ifndef TFX_CORE_TRANSFORM_STRING_TABLE_H_
#define TFX_CORE_TRANSFORM_STRING_TABLE_H_

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "tfx_core/sketches/hash.h"

namespace tfx_core {
namespace transform {

template <typename V>
class StringTable {
 public:
  // The value of `key`, inserted as V{} if absent.
  V& operator[](std::string_view key) {
    if (2 * (entries_.size() + 1) > slots_.size()) Grow();
    const uint64_t hash = HashBytes(key);
    for (uint64_t s = hash & mask_;; s = (s + 1) & mask_) {
      const int32_t id = slots_[s];
      if (id < 0) {
        slots_[s] = static_cast<int32_t>(entries_.size());
        entries_.push_back({hash, bytes_.size(), static_cast<uint32_t>(key.size()), V{}});
        bytes_.append(key.data(), key.size());
        return entries_.back().value;
      }
      const Entry& e = entries_[id];
      if (e.hash == hash && this->key(id) == key) return entries_[id].value;
    }
  }

  int64_t size() const { return static_cast<int64_t>(entries_.size()); }
  static constexpr int64_t kMaxKeys = (int64_t{1} << 31) - 1;
  // Whether `key` fits the table's limits (a new key: room left and a 32-bit length).
  bool CanInsert(std::string_view key) const {
    return size() < kMaxKeys && key.size() <= UINT32_MAX;
  }
  std::string_view key(int64_t i) const {
    return std::string_view(bytes_.data() + entries_[i].offset, entries_[i].length);
  }
  const V& value(int64_t i) const { return entries_[i].value; }
  V& value(int64_t i) { return entries_[i].value; }

 private:
  struct Entry {
    uint64_t hash;
    uint64_t offset;
    uint32_t length;
    V value;
  };

  void Grow() {
    const size_t capacity = slots_.empty() ? 1024 : 2 * slots_.size();
    slots_.assign(capacity, -1);
    mask_ = capacity - 1;
    for (size_t id = 0; id < entries_.size(); ++id) {
      uint64_t s = entries_[id].hash & mask_;
      while (slots_[s] >= 0) s = (s + 1) & mask_;
      slots_[s] = static_cast<int32_t>(id);
    }
  }

  std::string bytes_;
  std::vector<Entry> entries_;
  std::vector<int32_t> slots_;
  uint64_t mask_ = 0;
};

}  // namespace transform
}  // namespace tfx_core

#endif  // TFX_CORE_TRANSFORM_STRING_TABLE_H_
