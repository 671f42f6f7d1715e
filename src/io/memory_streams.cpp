#include "io/memory_streams.h"

#include <algorithm>
#include <cstring>

namespace wale::io {

std::vector<std::byte> to_bytes(std::string_view text) {
  std::vector<std::byte> out(text.size());
  if (!text.empty()) std::memcpy(out.data(), text.data(), text.size());
  return out;
}

MemorySource::MemorySource(std::string_view text) : data_(to_bytes(text)) {}

std::size_t StringViewSource::read(std::span<std::byte> out) {
  std::size_t n = std::min(out.size(), text_.size() - pos_);
  std::memcpy(out.data(), text_.data() + pos_, n);
  pos_ += n;
  return n;
}

std::size_t MemorySource::read(std::span<std::byte> out) {
  std::size_t n = std::min(out.size(), data_.size() - pos_);
  if (n > 0) std::memcpy(out.data(), data_.data() + pos_, n);
  pos_ += n;
  return n;
}

std::size_t PrefixedSource::read(std::span<std::byte> out) {
  if (pos_ < prefix_.size()) {
    std::size_t n = std::min(out.size(), prefix_.size() - pos_);
    if (n > 0) std::memcpy(out.data(), prefix_.data() + pos_, n);
    pos_ += n;
    return n;
  }
  return upstream_->read(out);
}

void MemorySink::write(std::span<const std::byte> data) { data_.insert(data_.end(), data.begin(), data.end()); }

void MemorySink::finish() {
  if (commit_) commit_(std::move(data_));
  finished_ = true;
}

std::string read_all(ByteSource& source) {
  std::string out;
  char buf[65536];
  for (;;) {
    std::size_t n = source.read(std::span<std::byte>(reinterpret_cast<std::byte*>(buf), sizeof buf));
    if (n == 0) return out;
    out.append(buf, n);
  }
}

}  // namespace wale::io
