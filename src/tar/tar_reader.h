// TarReader: reads a tar stream from a ByteSource, using libarchive.
//
// Accepts ustar, PAX (including Python tarfile's: a "././@PaxHeader" before
// every member, fractional mtime records, UTF-8 names), GNU tar's format (long
// names and link targets, base-256 numbers) and old v7 headers. Names are
// returned as stored (see tar_entry.h); nothing is written to disk here.
//
// The constructor does not read. next() returns the next member's header, or std::nullopt once the archive's
// end-of-archive zero block has been read. It skips any unread data of the
// previous member. read_data() streams the current member's data; it returns
// 0 at the end of that member's data (and for members without data).
// At the end of the archive the rest of the source is read and discarded, so
// an upstream decompressor gets to check its trailer.
//
// Errors: a truncated stream (cut inside a header, inside data, or at a member
// boundary before the end-of-archive block), a bad header checksum, or any
// other format damage throws Error{Corrupt} with a one-line message; a member
// is never silently returned short. Exceptions thrown by the source (e.g. a
// decompressor's Corrupt, a store's Transient) pass through unchanged. After
// an exception the reader is broken: later calls throw Error{Corrupt} again.
//
// Ownership: borrows `source` (it must outlive the reader).
// Thread safety: none; one thread at a time.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <exception>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "io/byte_source.h"
#include "tar/archive_ptr.h"
#include "tar/tar_entry.h"

namespace wale::tar {

class TarReader {
 public:
  explicit TarReader(io::ByteSource& source);
  ~TarReader();
  TarReader(const TarReader&) = delete;
  TarReader& operator=(const TarReader&) = delete;

  std::optional<Entry> next();
  std::size_t read_data(std::span<std::byte> out);

  // Members returned by next() so far.
  std::uint64_t members() const { return members_; }

 private:
  static ssize_t on_read(struct archive* a, void* self, const void** buffer);
  void open();
  [[noreturn]] void fail(const std::string& what);
  void drain_source();

  io::ByteSource& source_;
  detail::ReadArchivePtr archive_;
  std::vector<std::byte> buffer_;
  std::exception_ptr source_error_;
  std::uint64_t source_bytes_ = 0;  // bytes handed to libarchive
  bool opened_ = false;
  bool source_ended_ = false;
  bool in_entry_ = false;        // read_data() is valid
  bool file_entry_ = false;      // the current member is a regular file
  std::uint64_t data_left_ = 0;  // of a regular file member: bytes its header promises still to come
  bool at_end_ = false;
  bool broken_ = false;
  std::string current_;  // path of the current member, for messages
  std::uint64_t members_ = 0;
};

}  // namespace wale::tar
