#include "tfx_core/transform/vocabulary.h"

#include <fstream>
#include <iterator>
#include <limits>

namespace tfx_core {
namespace transform {

Status Vocabulary::Add(std::string_view token, const std::string& where) {
  if (size() >= std::numeric_limits<int32_t>::max()) {
    return InvalidArgument(where, ": vocabulary exceeds 2^31-1 tokens");
  }
  bytes_.append(token.data(), token.size());
  starts_.push_back(static_cast<int64_t>(bytes_.size()));
  return Status::OK();
}

void Vocabulary::BuildIndex() {
  uint64_t capacity = 16;
  while (capacity < 2 * static_cast<uint64_t>(size())) capacity <<= 1;  // Load factor <= 0.5.
  slots_.assign(capacity, Slot{0, -1});
  mask_ = capacity - 1;
}

int64_t Vocabulary::Find(std::string_view token) const {
  const uint64_t h = Fingerprint64(token);
  const uint32_t tag = static_cast<uint32_t>(h >> 32);
  for (uint64_t i = h & mask_;; i = (i + 1) & mask_) {
    const Slot& slot = slots_[i];
    if (slot.id < 0) return -1;
    if (slot.tag == tag && this->token(slot.id) == token) return slot.id;
  }
}

StatusOr<std::shared_ptr<const Vocabulary>> Vocabulary::FromTokens(
    const std::vector<std::string>& tokens) {
  std::shared_ptr<Vocabulary> vocab(new Vocabulary());
  for (const std::string& token : tokens) TFX_RETURN_IF_ERROR(vocab->Add(token, "vocabulary"));
  vocab->BuildIndex();
  for (int64_t id = 0; id < vocab->size(); ++id) {
    const std::string_view token = vocab->token(id);
    const uint64_t h = Fingerprint64(token);
    const uint32_t tag = static_cast<uint32_t>(h >> 32);
    uint64_t i = h & vocab->mask_;
    for (;; i = (i + 1) & vocab->mask_) {
      const Slot& slot = vocab->slots_[i];
      if (slot.id < 0) break;
      if (slot.tag == tag && vocab->token(slot.id) == token) {
        return InvalidArgument("vocabulary: token '", token, "' appears twice (ids ", slot.id,
                               " and ", id, ")");
      }
    }
    vocab->slots_[i] = Slot{tag, static_cast<int32_t>(id)};
  }
  return std::shared_ptr<const Vocabulary>(std::move(vocab));
}

StatusOr<std::shared_ptr<const Vocabulary>> Vocabulary::FromFile(const std::string& path,
                                                                   bool frequencies) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("vocabulary file '", path, "' cannot be opened");
  std::vector<std::string> tokens;
  std::string line;
  while (std::getline(in, line)) {
    if (frequencies) {
      const size_t space = line.find(' ');
      if (space == std::string::npos || space == 0) {
        return InvalidArgument("vocabulary file '", path, "' line ", tokens.size() + 1,
                               ": expected '<frequency> <token>' (a store_frequency file), got '",
                               line.substr(0, 100), "'");
      }
      line.erase(0, space + 1);
    }
    tokens.push_back(std::move(line));
  }
  if (in.bad()) return Internal("vocabulary file '", path, "': read error");
  StatusOr<std::shared_ptr<const Vocabulary>> vocab = FromTokens(tokens);
  if (!vocab.ok()) {
    return Status(vocab.status().code(),
                  StrCat("vocabulary file '", path, "': ", vocab.status().message()));
  }
  return vocab;
}

Status Vocabulary::Validate(const Options& options) {
  if (options.num_oov_buckets < 0) {
    return InvalidArgument("apply_vocabulary: num_oov_buckets must be >= 0, got ",
                           options.num_oov_buckets);
  }
  return Status::OK();
}

Status Vocabulary::LookupLeaves(const arrow::LeafRange& leaves, const Options& options,
                                int64_t* out) const {
  TFX_RETURN_IF_ERROR(Validate(options));
  const arrow::ArrayView& leaf = *leaves.leaf;
  if (!arrow::IsString(leaf.type)) {
    return InvalidArgument("apply_vocabulary expects string or binary values; got ",
                           arrow::TypeName(leaf.type));
  }
  for (int64_t i = 0; i < leaves.count; ++i) {
    const int64_t j = leaves.begin + i;
    out[i] = leaf.IsValid(j) ? Lookup(leaf.String(j), options) : options.default_value;
  }
  return Status::OK();
}

}  // namespace transform
}  // namespace tfx_core
