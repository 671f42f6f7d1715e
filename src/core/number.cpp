#include "core/number.h"

#include <charconv>
#include <string>

namespace wale {
namespace {

bool is_digit(char c, int base) {
  if (c >= '0' && c <= '9') return true;
  return base == 16 && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'));
}

std::string quoted(std::string_view text) {
  // Keep the one-line message one line and bounded, whatever the input.
  std::string out = "\"";
  for (char c : text.substr(0, 64)) {
    unsigned char u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f) ? '?' : c;
  }
  if (text.size() > 64) out += "...";
  return out + "\"";
}

}  // namespace

std::optional<std::uint64_t> to_uint64(std::string_view text, int base) noexcept {
  if (text.empty() || (base != 10 && base != 16)) return std::nullopt;
  for (char c : text) {
    if (!is_digit(c, base)) return std::nullopt;
  }
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::uint64_t parse_uint(std::string_view text, std::string_view what, std::uint64_t min, std::uint64_t max,
                         ErrorCode code) {
  auto v = to_uint64(text);
  if (!v || *v < min || *v > max) {
    throw Error(code, std::string(what) + " must be a whole number from " + std::to_string(min) + " to " +
                          std::to_string(max) + ", got " + quoted(text));
  }
  return *v;
}

std::uint64_t parse_byte_count(std::string_view text, std::string_view what, std::uint64_t min, std::uint64_t max,
                               ErrorCode code) {
  std::size_t digits = 0;
  while (digits < text.size() && is_digit(text[digits], 10)) ++digits;
  std::string_view suffix = text.substr(digits);
  int shift = -1;
  if (suffix.empty() || suffix == "B") shift = 0;
  else if (suffix == "k" || suffix == "K" || suffix == "kB" || suffix == "KB" || suffix == "KiB") shift = 10;
  else if (suffix == "M" || suffix == "MB" || suffix == "MiB") shift = 20;
  else if (suffix == "G" || suffix == "GB" || suffix == "GiB") shift = 30;
  else if (suffix == "T" || suffix == "TB" || suffix == "TiB") shift = 40;
  auto n = to_uint64(text.substr(0, digits));
  bool ok = shift >= 0 && n && *n <= (max >> shift);
  if (ok) {
    std::uint64_t bytes = *n << shift;
    if (bytes >= min) return bytes;
  }
  throw Error(code,
              std::string(what) + " must be a byte count from " + std::to_string(min) + " to " + std::to_string(max) +
                  " (a number, optionally followed by k, M, G or T), got " + quoted(text),
              {}, "Write a number of bytes, optionally with k, M, G or T (1024-based), e.g. 512M.");
}

}  // namespace wale
