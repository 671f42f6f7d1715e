// Fuzzes the sentinel and restore-spec readers (layout/sentinel.h): any text
// may only throw wale::Error; a sentinel that parses writes JSON that parses
// to the same sentinel (to_json is stable after one round).
#include <string>

#include "core/error.h"
#include "fuzz_support.h"
#include "layout/sentinel.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(wale::fuzz::text(data, size));
  try {
    auto s = wale::layout::Sentinel::parse(text);
    std::string once = s.to_json();
    auto again = wale::layout::Sentinel::parse(once);
    WALE_FUZZ_CHECK(again.to_json() == once);
  } catch (const wale::Error&) {
  }
  try {
    wale::layout::parse_spec(text);
  } catch (const wale::Error&) {
  }
  return 0;
}
