// Fuzzes parse_manifest (layout/backup_manifest.h). Random text rarely
// carries a valid SHA-256 of itself, so the input is also completed with a
// correct "Manifest-Checksum" to reach the field checks. Any input may only
// throw wale::Error.
#include <openssl/sha.h>

#include <string>

#include "core/error.h"
#include "fuzz_support.h"
#include "layout/backup_manifest.h"

namespace {

std::string with_checksum(const std::string& body) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest);
  static const char* hex = "0123456789abcdef";
  std::string out = body + "\"Manifest-Checksum\": \"";
  for (unsigned char c : digest) {
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out + "\"}\n";
}

void parse(const std::string& text) {
  try {
    auto m = wale::layout::parse_manifest(text);
    for (const auto& r : m.wal_ranges) WALE_FUZZ_CHECK(r.timeline >= 1);
  } catch (const wale::Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(wale::fuzz::text(data, size));
  parse(text);
  parse(with_checksum(text));
  return 0;
}
