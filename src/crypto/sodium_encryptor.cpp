#include "crypto/sodium_encryptor.h"

#include <algorithm>

#include "core/error.h"

namespace wale::crypto {

SodiumEncryptor::SodiumEncryptor(std::shared_ptr<const SodiumKey> key) : key_(std::move(key)) {
  ensure_sodium();
  pending_.reserve(kSodiumChunk);
}

SodiumEncryptor::~SodiumEncryptor() = default;

void SodiumEncryptor::push(std::span<const std::byte> plain, unsigned char tag, std::vector<std::byte>& out) {
  std::size_t at = out.size();
  out.resize(at + plain.size() + kSodiumOverhead);
  stream_.push(plain, tag, out.data() + at);
}

void SodiumEncryptor::process(std::span<const std::byte> in, std::vector<std::byte>& out) {
  if (finished_) throw Error(ErrorCode::Internal, "libsodium encryptor used after finish");
  if (key_) {  // first call: the header
    std::size_t at = out.size();
    out.resize(at + kSodiumHeader);
    stream_.init_push(std::span<std::byte, kSodiumHeader>(out.data() + at, kSodiumHeader), *key_);
    key_.reset();  // the stream holds the derived key now
  }
  out.reserve(out.size() + in.size() + (in.size() / kSodiumChunk + 1) * kSodiumOverhead);
  while (!in.empty()) {
    if (pending_.empty() && in.size() >= kSodiumChunk) {  // a whole chunk straight from the input
      push(in.first(kSodiumChunk), crypto_secretstream_xchacha20poly1305_TAG_MESSAGE, out);
      in = in.subspan(kSodiumChunk);
      continue;
    }
    std::size_t take = std::min(kSodiumChunk - pending_.size(), in.size());
    pending_.insert(pending_.end(), in.begin(), in.begin() + static_cast<std::ptrdiff_t>(take));
    in = in.subspan(take);
    if (pending_.size() == kSodiumChunk) {
      push(pending_, crypto_secretstream_xchacha20poly1305_TAG_MESSAGE, out);
      pending_.clear();
    }
  }
}

void SodiumEncryptor::finish(std::vector<std::byte>& out) {
  if (key_) process({}, out);  // empty input: still a header
  if (finished_) throw Error(ErrorCode::Internal, "libsodium encryptor finished twice");
  push(pending_, crypto_secretstream_xchacha20poly1305_TAG_FINAL, out);
  sodium_memzero(pending_.data(), pending_.size());
  pending_.clear();
  finished_ = true;
}

}  // namespace wale::crypto
