#include "tar/libarchive_support.h"

#include <cstdint>

namespace wale::tar::detail {
namespace {

locale_t utf8_ctype() noexcept {
  // Created once, never freed: it lives as long as the process.
  static const locale_t loc = [] {
    locale_t l = ::newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
    if (l == static_cast<locale_t>(nullptr)) l = ::newlocale(LC_CTYPE_MASK, "C.utf8", static_cast<locale_t>(nullptr));
    return l;
  }();
  return loc;
}

// Length of the valid UTF-8 sequence starting at s[i], or 0.
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  std::size_t len = 0;
  std::uint32_t cp = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
    cp = c & 0x1Fu;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    cp = c & 0x0Fu;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    cp = c & 0x07u;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0u) != 0x80u) return 0;
    cp = (cp << 6) | (cc & 0x3Fu);
  }
  if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  return len;
}

}  // namespace

void ReadArchiveDeleter::operator()(struct archive* a) const noexcept { archive_read_free(a); }
void WriteArchiveDeleter::operator()(struct archive* a) const noexcept { archive_write_free(a); }
void EntryDeleter::operator()(struct archive_entry* e) const noexcept { archive_entry_free(e); }

Utf8CtypeScope::Utf8CtypeScope() noexcept {
  locale_t l = utf8_ctype();
  if (l != static_cast<locale_t>(nullptr)) previous_ = ::uselocale(l);
}

Utf8CtypeScope::~Utf8CtypeScope() {
  if (previous_ != static_cast<locale_t>(nullptr)) ::uselocale(previous_);
}

std::string quote_member(std::string_view name) {
  constexpr std::size_t kMax = 300;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  std::size_t i = 0;
  while (i < name.size() && out.size() < kMax) {
    auto c = static_cast<unsigned char>(name[i]);
    if (c >= 0x80) {
      std::size_t len = utf8_sequence(name, i);
      if (len > 0) {
        out.append(name.substr(i, len));
        i += len;
        continue;
      }
    }
    if (c < 0x20 || c == 0x7F || c >= 0x80 || c == '"' || c == '\\') {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    } else {
      out += static_cast<char>(c);
    }
    ++i;
  }
  if (i < name.size()) out += "...";
  out += '"';
  return out;
}

std::string archive_message(struct archive* a, const char* fallback) {
  const char* msg = a != nullptr ? archive_error_string(a) : nullptr;
  return msg != nullptr && *msg != '\0' ? std::string(msg) : std::string(fallback);
}

}  // namespace wale::tar::detail
