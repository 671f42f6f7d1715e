// Fuzzes TarReader: any byte stream may only throw wale::Error, member data
// reads never return more than the header's size, and reading stops at the
// end-of-archive block.
#include <array>

#include "core/error.h"
#include "fuzz_support.h"
#include "io/memory_streams.h"
#include "tar/tar_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto input = wale::fuzz::bytes(data, size);
  wale::io::MemorySource source(std::vector<std::byte>(input.begin(), input.end()));
  try {
    wale::tar::TarReader reader(source);
    std::array<std::byte, 4096> buffer;
    while (auto entry = reader.next()) {
      std::uint64_t total = 0;
      while (std::size_t n = reader.read_data(buffer)) total += n;
      WALE_FUZZ_CHECK(entry->type != wale::tar::Entry::Type::File || total == entry->size);
    }
    WALE_FUZZ_CHECK(!reader.next());  // stays at the end
  } catch (const wale::Error&) {
  }
  return 0;
}
