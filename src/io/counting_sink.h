// CountingSink: passes bytes through to an owned sink and counts them, for
// reporting how many bytes were stored (compressed sizes). Not thread-safe;
// the counter is the caller's and must outlive the sink.
#pragma once

#include <cstdint>
#include <memory>

#include "io/byte_sink.h"

namespace wale::io {

class CountingSink final : public ByteSink {
 public:
  CountingSink(std::unique_ptr<ByteSink> inner, std::uint64_t& count) : inner_(std::move(inner)), count_(count) {}
  void write(std::span<const std::byte> data) override {
    inner_->write(data);
    count_ += data.size();
  }
  using ByteSink::write;
  void finish() override { inner_->finish(); }

 private:
  std::unique_ptr<ByteSink> inner_;
  std::uint64_t& count_;
};

}  // namespace wale::io
