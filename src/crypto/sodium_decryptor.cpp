#include "crypto/sodium_decryptor.h"

#include <algorithm>

#include "core/error.h"
#include "crypto/sodium_encryptor.h"

namespace wale::crypto {
namespace {

constexpr std::size_t kCipherChunk = kSodiumChunk + kSodiumOverhead;

}  // namespace

SodiumDecryptor::SodiumDecryptor(std::shared_ptr<const SodiumKey> key, std::string object)
    : key_(std::move(key)), object_(std::move(object)) {
  ensure_sodium();
}

SodiumDecryptor::~SodiumDecryptor() = default;

void SodiumDecryptor::corrupt(const std::string& what) const {
  throw Error(ErrorCode::Corrupt, "could not decrypt " + object_ + ": " + what,
              "libsodium secret stream (XChaCha20-Poly1305), chunk " + std::to_string(chunks_) + " at byte " +
                  std::to_string(offset_) + ".",
              "The object was altered, truncated or reordered, or WALE_LIBSODIUM_KEY is not the key it was "
              "written with.");
}

bool SodiumDecryptor::authenticates(const SodiumKey& key, std::span<const std::byte> head, bool complete) {
  ensure_sodium();
  if (head.size() < kSodiumHeader + kSodiumOverhead) return false;
  crypto_secretstream_xchacha20poly1305_state state;
  if (crypto_secretstream_xchacha20poly1305_init_pull(&state, reinterpret_cast<const unsigned char*>(head.data()),
                                                      key.data()) != 0) {
    return false;
  }
  std::span<const std::byte> rest = head.subspan(kSodiumHeader);
  std::size_t len = complete ? std::min(rest.size(), kCipherChunk) : kCipherChunk;
  if (rest.size() < len) return false;
  std::vector<unsigned char> plain(len);
  unsigned long long plain_len = 0;
  unsigned char tag = 0;
  int rc =
      crypto_secretstream_xchacha20poly1305_pull(&state, plain.data(), &plain_len, &tag,
                                                 reinterpret_cast<const unsigned char*>(rest.data()), len, nullptr, 0);
  sodium_memzero(plain.data(), plain.size());
  sodium_memzero(&state, sizeof state);
  return rc == 0;
}

void SodiumDecryptor::pull(std::span<const std::byte> chunk, bool last, std::vector<std::byte>& out) {
  if (final_seen_) corrupt("there are bytes after the stream's final chunk");
  if (chunk.size() < kSodiumOverhead) corrupt("the stream ends inside a chunk (truncated)");
  std::size_t at = out.size();
  out.resize(at + chunk.size() - kSodiumOverhead);
  unsigned char tag = 0;
  if (!stream_.pull(chunk, out.data() + at, tag)) {
    out.resize(at);
    corrupt("a chunk failed authentication");
  }
  if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
    final_seen_ = true;
    if (!last) corrupt("there are bytes after the stream's final chunk");
  } else if (last) {
    corrupt("the stream has no final chunk (truncated)");
  }
  chunks_ += 1;
  offset_ += chunk.size();
}

void SodiumDecryptor::process(std::span<const std::byte> in, std::vector<std::byte>& out) {
  if (in.empty()) return;
  if (final_seen_) corrupt("there are bytes after the stream's final chunk");
  if (!header_done_) {
    std::size_t take = std::min(kSodiumHeader - pending_.size(), in.size());
    pending_.insert(pending_.end(), in.begin(), in.begin() + static_cast<std::ptrdiff_t>(take));
    in = in.subspan(take);
    if (pending_.size() < kSodiumHeader) return;
    stream_.init_pull(std::span<const std::byte, kSodiumHeader>(pending_.data(), kSodiumHeader), *key_);
    key_.reset();
    header_done_ = true;
    offset_ = kSodiumHeader;
    pending_.clear();
  }
  out.reserve(out.size() + in.size() + pending_.size());
  // A full-size chunk is pulled only once more bytes follow it: the last
  // chunk must be known to be last. Whole chunks are pulled straight from
  // `in`; only a chunk split across calls is assembled in pending_.
  if (!pending_.empty()) {
    std::size_t take = std::min(kCipherChunk - pending_.size(), in.size());
    pending_.insert(pending_.end(), in.begin(), in.begin() + static_cast<std::ptrdiff_t>(take));
    in = in.subspan(take);
    if (in.empty()) return;  // a full chunk, but perhaps the last one
    pull(pending_, false, out);
    pending_.clear();
  }
  while (in.size() > kCipherChunk) {
    pull(in.first(kCipherChunk), false, out);
    in = in.subspan(kCipherChunk);
  }
  pending_.assign(in.begin(), in.end());
}

void SodiumDecryptor::finish(std::vector<std::byte>& out) {
  if (!header_done_) corrupt(pending_.empty() ? "the object is empty" : "the stream header is cut short");
  if (final_seen_ && pending_.empty()) return;
  if (pending_.empty()) corrupt("the stream has no final chunk (truncated)");
  pull(pending_, true, out);
  pending_.clear();
}

}  // namespace wale::crypto
