// ByteSink: a push stream of bytes with an explicit commit.
//
// Contract: write() accepts bytes; finish() commits them and returns only once
// the data is durable in its destination (for stores: the object is visible and
// stored). A sink destroyed before finish() returned is abandoned: whatever it
// wrote is discarded and never becomes visible. Destructors never throw.
// A sink is used by one thread at a time. Failures throw wale::Error.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace wale::io {

class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual void write(std::span<const std::byte> data) = 0;
  virtual void finish() = 0;

  void write(std::string_view text) {
    write(std::span<const std::byte>(reinterpret_cast<const std::byte*>(text.data()), text.size()));
  }
};

}  // namespace wale::io
