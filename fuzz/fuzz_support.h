// Shared helpers for the libFuzzer targets in fuzz/.
//
// A target's contract is its parser's header contract: malformed input may
// throw wale::Error, nothing else. Any other exception escapes
// LLVMFuzzerTestOneInput and ends in std::terminate, which libFuzzer reports
// as a crash; ASan and UBSan report memory errors and undefined behaviour;
// WALE_FUZZ_CHECK aborts when a stated property (a round trip, agreement
// with a reference implementation) does not hold.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#define WALE_FUZZ_CHECK(cond)                                                          \
  do {                                                                                 \
    if (!(cond)) {                                                                     \
      std::fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                    \
    }                                                                                  \
  } while (0)

namespace wale::fuzz {

inline std::span<const std::byte> bytes(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const std::byte*>(data), size};
}

inline std::string_view text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Feeds `input` to `feed` in the chunks a stream might deliver: chunk sizes
// cycle through values taken from `sizes` (bytes of the input itself, so the
// fuzzer explores chunk boundaries too).
template <typename F>
void in_chunks(std::span<const std::byte> input, std::span<const std::byte> sizes, F&& feed) {
  std::size_t i = 0;
  std::size_t pos = 0;
  while (pos < input.size()) {
    std::size_t n = sizes.empty() ? input.size() : 1 + static_cast<std::size_t>(sizes[i++ % sizes.size()]) * 4;
    n = std::min(n, input.size() - pos);
    feed(input.subspan(pos, n));
    pos += n;
  }
}

// Splits text into lines (without the '\n').
inline std::vector<std::string_view> lines(std::string_view s) {
  std::vector<std::string_view> out;
  while (!s.empty()) {
    auto nl = s.find('\n');
    out.push_back(s.substr(0, nl));
    if (nl == std::string_view::npos) break;
    s.remove_prefix(nl + 1);
  }
  return out;
}

}  // namespace wale::fuzz
