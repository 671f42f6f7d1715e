#include "crypto/object_format.h"

#include <sodium.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace wale::crypto {
namespace {

std::uint8_t at(std::span<const std::byte> s, std::size_t i) { return static_cast<std::uint8_t>(s[i]); }

bool has_prefix(std::span<const std::byte> head, std::initializer_list<std::uint8_t> magic) {
  if (head.size() < magic.size()) return false;
  std::size_t i = 0;
  for (std::uint8_t m : magic) {
    if (at(head, i++) != m) return false;
  }
  return true;
}

std::uint32_t le32(std::span<const std::byte> s, std::size_t off) {
  return static_cast<std::uint32_t>(at(s, off)) | static_cast<std::uint32_t>(at(s, off + 1)) << 8 |
         static_cast<std::uint32_t>(at(s, off + 2)) << 16 | static_cast<std::uint32_t>(at(s, off + 3)) << 24;
}

bool power_of_two_in(std::uint32_t v, std::uint32_t lo, std::uint32_t hi) {
  return v >= lo && v <= hi && (v & (v - 1)) == 0;
}

// XLogLongPageHeaderData: magic(2) info(2) tli(4) pageaddr(8) rem_len(4)
// pad(4) sysid(8) seg_size(4) blcksz(4).
bool looks_like_wal_segment(std::span<const std::byte> head) {
  if (head.size() < 40) return false;
  std::uint8_t magic_hi = at(head, 1);
  if (magic_hi != 0xD0 && magic_hi != 0xD1) return false;
  if ((at(head, 2) & 0x02) == 0) return false;  // XLP_LONG_HEADER
  return power_of_two_in(le32(head, 32), 1u << 20, 1u << 30) && power_of_two_in(le32(head, 36), 1u << 10, 1u << 16);
}

bool looks_like_tar(std::span<const std::byte> head) {
  static const char kUstar[] = "ustar";
  if (head.size() < 262) return false;
  return std::memcmp(head.data() + 257, kUstar, 5) == 0;
}

bool looks_like_text(std::span<const std::byte> head) {
  if (head.empty()) return false;
  for (std::byte b : head) {
    auto c = static_cast<std::uint8_t>(b);
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return false;
    if (c == 0x7F) return false;
  }
  return true;
}

bool looks_like_binary_openpgp(std::span<const std::byte> head) {
  if (head.size() < 3) return false;
  std::uint8_t b0 = at(head, 0);
  if ((b0 & 0x80) == 0) return false;
  unsigned tag = 0;
  std::size_t body = 0;  // offset of the packet body
  if (b0 & 0x40) {       // new format: 0b11tttttt, then a 1/2/5-byte length
    tag = b0 & 0x3f;
    std::uint8_t l1 = at(head, 1);
    if (l1 < 192) body = 2;
    else if (l1 < 224) body = 3;
    else if (l1 == 255) body = 6;
    else return false;  // partial lengths never start a session key packet
  } else {              // old format: 0b10ttttll, ll = 1/2/4-byte length (3: indeterminate)
    tag = (b0 >> 2) & 0x0f;
    unsigned lt = b0 & 3;
    if (lt == 3) return false;
    body = 1 + (lt == 0 ? 1 : lt == 1 ? 2 : 4);
  }
  if (head.size() <= body) return false;
  std::uint8_t version = at(head, body);
  if (tag == 1) return version == 3 || version == 6;
  if (tag == 3) return version >= 4 && version <= 6;
  return false;
}

// An ASCII-armored message (RFC 4880 6.2): "-----BEGIN PGP MESSAGE-----", armor
// headers ("Version: ..."), an empty line, then base64 of the binary message,
// whose first packet decides. What gpg writes with "armor" in gpg.conf.
bool looks_like_armored_openpgp(std::span<const std::byte> head) {
  static constexpr std::string_view kBegin = "-----BEGIN PGP MESSAGE-----";
  std::string_view text(reinterpret_cast<const char*>(head.data()), head.size());
  if (text.substr(0, kBegin.size()) != kBegin) return false;
  std::size_t pos = kBegin.size();
  // Skip the rest of the BEGIN line and the armor headers up to the empty line.
  for (bool first = true;; first = false) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) return false;
    std::string_view line = text.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = nl + 1;
    if (!first && line.find_first_not_of(" \t") == std::string_view::npos) break;
  }
  // 12 base64 characters are 9 bytes: enough for a session key packet's start.
  std::string_view b64 = text.substr(pos, 12);
  if (b64.size() < 12) return false;
  unsigned char bin[9];
  std::size_t len = 0;
  if (sodium_base642bin(bin, sizeof bin, b64.data(), b64.size(), nullptr, &len, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0) {
    return false;
  }
  return looks_like_binary_openpgp(std::as_bytes(std::span<const unsigned char>(bin, len)));
}

}  // namespace

bool looks_like_openpgp(std::span<const std::byte> head) {
  return looks_like_binary_openpgp(head) || looks_like_armored_openpgp(head);
}

bool looks_plain(codec::Codec codec, std::span<const std::byte> head) {
  switch (codec) {
    case codec::Codec::None: return looks_like_wal_segment(head) || looks_like_tar(head) || looks_like_text(head);
    case codec::Codec::Lzop: return has_prefix(head, {0x89, 0x4C, 0x5A, 0x4F, 0x00, 0x0D, 0x0A, 0x1A, 0x0A});
    case codec::Codec::Zstd:
      if (has_prefix(head, {0x28, 0xB5, 0x2F, 0xFD})) return true;
      return head.size() >= 4 && (at(head, 0) & 0xF0) == 0x50 && at(head, 1) == 0x2A && at(head, 2) == 0x4D &&
             at(head, 3) == 0x18;
    case codec::Codec::Lz4:
      return has_prefix(head, {0x04, 0x22, 0x4D, 0x18}) || has_prefix(head, {0x02, 0x21, 0x4C, 0x18});
  }
  return false;
}

}  // namespace wale::crypto
