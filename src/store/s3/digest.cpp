#include "store/s3/digest.h"

#include <openssl/hmac.h>

#include "core/error.h"

namespace wale::store::s3 {
namespace {

[[noreturn]] void openssl_failed(const char* what) {
  throw Error(ErrorCode::Internal, std::string("OpenSSL failed: ") + what);
}

}  // namespace

Digest::Digest(Kind kind) : md_(kind == Kind::Sha256 ? EVP_sha256() : EVP_md5()), ctx_(EVP_MD_CTX_new()) {
  if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), md_, nullptr) != 1) openssl_failed("digest init");
}

void Digest::update(std::span<const std::byte> data) {
  if (data.empty()) return;
  if (EVP_DigestUpdate(ctx_.get(), data.data(), data.size()) != 1) openssl_failed("digest update");
}

void Digest::update(std::string_view data) {
  update(std::span<const std::byte>(reinterpret_cast<const std::byte*>(data.data()), data.size()));
}

std::string Digest::finish() {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx_.get(), out.data(), &len) != 1) openssl_failed("digest final");
  if (EVP_DigestInit_ex(ctx_.get(), md_, nullptr) != 1) openssl_failed("digest init");
  return std::string(reinterpret_cast<const char*>(out.data()), len);
}

std::string sha256(std::string_view data) {
  Digest d(Digest::Kind::Sha256);
  d.update(data);
  return d.finish();
}

std::string sha256_hex(std::string_view data) { return hex(sha256(data)); }

std::string md5(std::string_view data) {
  Digest d(Digest::Kind::Md5);
  d.update(data);
  return d.finish();
}

std::string md5_base64(std::string_view data) { return base64(md5(data)); }

std::string hmac_sha256(std::string_view key, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
           data.size(), out.data(), &len) == nullptr) {
    openssl_failed("HMAC");
  }
  return std::string(reinterpret_cast<const char*>(out.data()), len);
}

std::string hex(std::string_view raw) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(raw.size() * 2);
  for (unsigned char c : raw) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 0xf]);
  }
  return out;
}

std::string base64(std::string_view raw) {
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(raw.data()), static_cast<int>(raw.size()));
  if (n < 0) openssl_failed("base64");
  out.resize(static_cast<std::size_t>(n));
  return out;
}

}  // namespace wale::store::s3
