// Adapters that run a Filter over a stream.
//
// FilterSink: bytes written pass through the filter into `downstream`;
// finish() flushes the filter and then finishes downstream. Owns both.
// FilterSource: bytes read from `upstream` come out filtered. Owns both. A
// failure (upstream's or the filter's, e.g. a truncated stream's Corrupt) is
// sticky: every later read() throws it again, never reports a clean end.
// Memory is bounded: the filter runs through process_some() with an output
// limit of `chunk`, so one read never holds more than about chunk plus the
// filter's largest unit (a 4 MiB lz4 block) of output, whatever the ratio.
// A filter that decodes_into() (lz4, zstd) writes straight into the reader's
// buffer instead: no output is held here at all.
#pragma once

#include <exception>
#include <memory>
#include <vector>

#include "core/scratch_buffer.h"
#include "io/byte_sink.h"
#include "io/byte_source.h"
#include "io/filter.h"

namespace wale::io {

class FilterSink final : public ByteSink {
 public:
  FilterSink(std::unique_ptr<Filter> filter, std::unique_ptr<ByteSink> downstream);
  void write(std::span<const std::byte> data) override;
  using ByteSink::write;
  void finish() override;

 private:
  std::unique_ptr<Filter> filter_;
  std::unique_ptr<ByteSink> downstream_;
  std::vector<std::byte> buf_;
};

class FilterSource final : public ByteSource {
 public:
  FilterSource(std::unique_ptr<Filter> filter, std::unique_ptr<ByteSource> upstream, std::size_t chunk = 256 * 1024);
  std::size_t read(std::span<std::byte> out) override;

 private:
  std::size_t read_into(std::span<std::byte> out);

  std::unique_ptr<Filter> filter_;
  std::unique_ptr<ByteSource> upstream_;
  ScratchBuffer in_;
  std::size_t in_pos_ = 0;  // in_[in_pos_, in_len_) is read but not yet filtered
  std::size_t in_len_ = 0;
  std::vector<std::byte> out_;
  std::size_t pos_ = 0;
  bool eof_ = false;
  bool flushed_ = false;      // the direct path reached the end (finish() called)
  std::exception_ptr error_;  // the first failure, rethrown by every later read()
};

// Copies source to sink until the end of source (does not call finish()).
// Returns the byte count. Checks the process StopToken before each chunk and
// throws its Error{Cancelled} once stop is requested.
std::uint64_t copy(ByteSource& source, ByteSink& sink, std::size_t chunk = 256 * 1024);

}  // namespace wale::io
