// SodiumKey: the 32-byte libsodium secret-stream key, held in guarded memory.
//
// Accepted spellings (surrounding whitespace ignored): 64 hex characters
// (what `openssl rand -hex 32` prints) or standard base64, padded or not
// (`openssl rand -base64 32`). Anything that does not decode to exactly 32
// bytes is refused with Error{Config} naming where the key came from --
// never the key itself. The bytes live in sodium_malloc() memory (guard
// pages, mlock, excluded from core dumps) and are wiped when the last
// shared_ptr goes. Immutable; thread-safe to read.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace wale::crypto {

class SodiumKey {
 public:
  static constexpr std::size_t kSize = 32;

  // `source` names the setting in messages ("WALE_LIBSODIUM_KEY").
  static std::shared_ptr<const SodiumKey> parse(std::string_view text, const std::string& source);
  // The key file's content, parsed as above; Error{Config} if unreadable.
  static std::shared_ptr<const SodiumKey> from_file(const std::string& path);

  ~SodiumKey();
  SodiumKey(const SodiumKey&) = delete;
  SodiumKey& operator=(const SodiumKey&) = delete;

  const unsigned char* data() const { return bytes_; }

 private:
  SodiumKey();
  unsigned char* bytes_;
};

// Initialises libsodium once (thread-safe); throws Error{Internal} if it cannot.
void ensure_sodium();

}  // namespace wale::crypto
