// In-memory ByteSource/ByteSink, for small objects (sentinels) and tests.
// MemorySink appends to a caller-visible buffer; finish() runs an optional
// commit callback. StringViewSource reads a string in place without a copy
// (a manifest can be 150 MB); the string must outlive it. PrefixedSource
// puts a peeked-at stream back together: it returns `prefix`, then what it
// reads from `upstream` (which it owns). Not thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "io/byte_sink.h"
#include "io/byte_source.h"

namespace wale::io {

class MemorySource final : public ByteSource {
 public:
  explicit MemorySource(std::vector<std::byte> data) : data_(std::move(data)) {}
  explicit MemorySource(std::string_view text);
  std::size_t read(std::span<std::byte> out) override;

 private:
  std::vector<std::byte> data_;
  std::size_t pos_ = 0;
};

class StringViewSource final : public ByteSource {
 public:
  explicit StringViewSource(std::string_view text) : text_(text) {}
  std::size_t read(std::span<std::byte> out) override;

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

class PrefixedSource final : public ByteSource {
 public:
  PrefixedSource(std::vector<std::byte> prefix, std::unique_ptr<ByteSource> upstream)
      : prefix_(std::move(prefix)), upstream_(std::move(upstream)) {}
  std::size_t read(std::span<std::byte> out) override;

 private:
  std::vector<std::byte> prefix_;
  std::size_t pos_ = 0;
  std::unique_ptr<ByteSource> upstream_;
};

class MemorySink final : public ByteSink {
 public:
  using Commit = std::function<void(std::vector<std::byte>&&)>;
  MemorySink() = default;
  explicit MemorySink(Commit commit) : commit_(std::move(commit)) {}
  void write(std::span<const std::byte> data) override;
  using ByteSink::write;
  void finish() override;
  const std::vector<std::byte>& data() const { return data_; }
  bool finished() const { return finished_; }

 private:
  std::vector<std::byte> data_;
  Commit commit_;
  bool finished_ = false;
};

// Reads a whole source into a string (for small objects only).
std::string read_all(ByteSource& source);
std::vector<std::byte> to_bytes(std::string_view text);

}  // namespace wale::io
