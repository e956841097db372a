// apply_vocabulary: maps strings to integer ids through a fixed vocabulary.
//
// A token's id is its position in the vocabulary. Out-of-vocabulary strings go to one of
// num_oov_buckets extra ids, size() + Fingerprint64(s) % num_oov_buckets, or to default_value
// when num_oov_buckets is 0 (tensorflow_transform's contract). Missing values (Arrow nulls)
// map to default_value.
//
// Memory: all tokens live in one contiguous buffer, plus 8 bytes of offset per token and an
// open-addressing index of 8-byte slots at load factor <= 1/2: a 1M-token vocabulary costs
// its bytes plus at most ~40 MB.
// Thread-safety: immutable after creation; Lookup may run concurrently.
#ifndef TFX_CORE_TRANSFORM_VOCABULARY_H_
#define TFX_CORE_TRANSFORM_VOCABULARY_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tfx_core/arrow/array.h"
#include "tfx_core/util/fingerprint.h"
#include "tfx_core/util/status.h"

namespace tfx_core {
namespace transform {

// TensorFlow's Fingerprint64 (farmhash), as TFT's OOV buckets use: ids match TFT's.
using ::tfx_core::Fingerprint64;

class Vocabulary {
 public:
  // Tokens must be distinct.
  static StatusOr<std::shared_ptr<const Vocabulary>> FromTokens(const std::vector<std::string>& tokens);
  // One token per line ('\n'-separated; a final newline is optional), tensorflow_transform's
  // vocabulary file format; with `frequencies`, TFT's store_frequency format, lines of
  // "<frequency> <token>" (the token is what follows the first space). Errors name the file
  // and line.
  static StatusOr<std::shared_ptr<const Vocabulary>> FromFile(const std::string& path,
                                                               bool frequencies = false);

  int64_t size() const { return static_cast<int64_t>(starts_.size()) - 1; }
  std::string_view token(int64_t id) const {
    return std::string_view(bytes_.data() + starts_[id], starts_[id + 1] - starts_[id]);
  }
  // The id of `token`, or -1.
  int64_t Find(std::string_view token) const;

  // Validated lookup settings.
  struct Options {
    int64_t num_oov_buckets = 0;
    int64_t default_value = -1;
  };
  static Status Validate(const Options& options);

  // id for one value (present, or OOV).
  int64_t Lookup(std::string_view value, const Options& options) const {
    const int64_t id = Find(value);
    if (id >= 0) return id;
    if (options.num_oov_buckets > 0) {
      return size() + static_cast<int64_t>(Fingerprint64(value) %
                                           static_cast<uint64_t>(options.num_oov_buckets));
    }
    return options.default_value;
  }

  // Looks up the string leaf values of an Arrow array (the values a list array covers),
  // writing leaves.count ids.
  Status LookupLeaves(const arrow::LeafRange& leaves, const Options& options, int64_t* out) const;

 private:
  Vocabulary() = default;
  Status Add(std::string_view token, const std::string& where);
  void BuildIndex();

  std::string bytes_;              // All tokens, concatenated.
  std::vector<int64_t> starts_{0}; // Token i is bytes_[starts_[i], starts_[i+1]).
  // Open addressing, linear probing; slot = (fingerprint, id), id -1 = empty.
  struct Slot {
    uint32_t tag;  // High bits of the fingerprint, to skip most string compares.
    int32_t id;
  };
  std::vector<Slot> slots_;
  uint64_t mask_ = 0;
};

}  // namespace transform
}  // namespace tfx_core

#endif  // TFX_CORE_TRANSFORM_VOCABULARY_H_
