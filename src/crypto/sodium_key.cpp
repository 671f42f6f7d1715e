#include "crypto/sodium_key.h"

#include <sodium.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>
#include <new>
#include <sstream>

#include "core/error.h"

namespace wale::crypto {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

Error bad_key(const std::string& source, const std::string& why) {
  return Error(ErrorCode::Config, source + " is not a libsodium key: " + why, {},
               "Use 32 random bytes written as 64 hex characters (openssl rand -hex 32) or as base64 "
               "(openssl rand -base64 32).");
}

}  // namespace

void ensure_sodium() {
  static std::once_flag once;
  static int rc = 0;
  std::call_once(once, [] { rc = sodium_init(); });
  if (rc < 0) throw Error(ErrorCode::Internal, "libsodium could not be initialised");
}

SodiumKey::SodiumKey() {
  ensure_sodium();
  bytes_ = static_cast<unsigned char*>(sodium_malloc(kSize));
  if (bytes_ == nullptr) throw std::bad_alloc();
}

SodiumKey::~SodiumKey() { sodium_free(bytes_); }

std::shared_ptr<const SodiumKey> SodiumKey::parse(std::string_view text, const std::string& source) {
  text = trim(text);
  if (text.empty()) throw bad_key(source, "it is empty");
  std::shared_ptr<SodiumKey> key(new SodiumKey());
  std::size_t len = 0;
  const char* end = nullptr;
  bool hex = text.size() == 2 * kSize &&
             sodium_hex2bin(key->bytes_, kSize, text.data(), text.size(), nullptr, &len, &end) == 0 && len == kSize &&
             end == text.data() + text.size();
  if (hex) return key;
  // base64 (standard alphabet, with or without padding): decode into a
  // buffer with room for longer input, then insist on exactly 32 bytes.
  std::size_t room = text.size();
  unsigned char* buf = static_cast<unsigned char*>(sodium_malloc(room + 1));
  if (buf == nullptr) throw std::bad_alloc();
  bool ok = false;
  for (int variant : {sodium_base64_VARIANT_ORIGINAL, sodium_base64_VARIANT_ORIGINAL_NO_PADDING}) {
    len = 0;
    end = nullptr;
    if (sodium_base642bin(buf, room, text.data(), text.size(), nullptr, &len, &end, variant) == 0 &&
        end == text.data() + text.size()) {
      ok = true;
      break;
    }
  }
  if (ok && len == kSize) std::memcpy(key->bytes_, buf, kSize);
  sodium_free(buf);
  if (!ok) {
    throw bad_key(source,
                  "it is neither 64 hex characters nor base64 (" + std::to_string(text.size()) + " characters)");
  }
  if (len != kSize) throw bad_key(source, "it decodes to " + std::to_string(len) + " bytes, not 32");
  return key;
}

std::shared_ptr<const SodiumKey> SodiumKey::from_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    throw Error(ErrorCode::Config, "could not read the libsodium key file: " + std::string(std::strerror(errno)),
                "WALE_LIBSODIUM_KEY_PATH is \"" + path + "\".",
                "Check the path and that the user running wal-e may read it.");
  }
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto key = parse(text, "the key file " + path);
  sodium_memzero(text.data(), text.size());
  return key;
}

}  // namespace wale::crypto
