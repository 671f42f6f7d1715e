// Hashing helpers on OpenSSL's EVP API for the S3 driver: incremental SHA-256
// and MD5 (payload hashes, Content-MD5), HMAC-SHA256 (SigV4), hex and base64.
// Digest objects own their EVP context (RAII) and are not thread-safe; the
// free functions are. Everything throws Error{Internal} if OpenSSL fails.
#pragma once

#include <openssl/evp.h>

#include <array>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace wale::store::s3 {

class Digest {
 public:
  enum class Kind { Sha256, Md5 };
  explicit Digest(Kind kind);
  void update(std::span<const std::byte> data);
  void update(std::string_view data);
  // Returns the raw digest; the object is reset and can be reused.
  std::string finish();

 private:
  struct CtxFree {
    void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
  };
  const EVP_MD* md_;
  std::unique_ptr<EVP_MD_CTX, CtxFree> ctx_;
};

std::string sha256(std::string_view data);                             // raw 32 bytes
std::string sha256_hex(std::string_view data);                         // lowercase hex
std::string md5(std::string_view data);                                // raw 16 bytes
std::string md5_base64(std::string_view data);                         // Content-MD5 header value
std::string hmac_sha256(std::string_view key, std::string_view data);  // raw 32 bytes
std::string hex(std::string_view raw);
std::string base64(std::string_view raw);

// SHA-256 of the empty string, hex (the payload hash of a request without body).
inline constexpr std::string_view kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

}  // namespace wale::store::s3
