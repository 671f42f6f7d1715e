// TarWriter: writes a POSIX tar stream into a ByteSink, using libarchive.
//
// Format: ustar headers; a PAX extended header ("x") precedes a member only
// when ustar cannot express it (name or link target too long or not ASCII,
// size >= 8 GiB, ids or mtime out of range). The archive ends with two zero
// blocks, padded to a 10240-byte record (what GNU tar and Python's tarfile do).
//
// Names: relative paths ("base/1/1259"), no leading "/" or "./", no empty,
// "." or ".." components, no NUL; a directory may end in one "/". Any other
// name throws Error{Internal} (a caller bug) and writes nothing.
//
// add_file() writes exactly `declared_size` bytes of data. If `content` ends
// early (the file shrank during a hot backup) the rest is NUL-padded; if it has
// more, the excess is never read (WAL replay repairs such files). It returns
// the bytes really taken from `content`.
//
// Ownership: borrows `sink` (it must outlive the writer). finish() writes the
// end-of-archive blocks and flushes them to the sink, but does not call
// sink.finish(). A writer destroyed before finish() writes nothing more.
// Errors: every method throws wale::Error; an exception from the sink or from
// a content source passes through unchanged. After any exception the writer is
// broken: later calls throw Error{Internal}.
// Thread safety: none; one thread at a time.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include "io/byte_sink.h"
#include "io/byte_source.h"
#include "tar/archive_ptr.h"

namespace wale::tar {

// Owner recorded in every header.
struct TarOwner {
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::string uname;  // "" when the id has no name
  std::string gname;

  // The calling process's effective uid/gid and their names.
  static TarOwner current_process();
};

class TarWriter {
 public:
  // Members are owned by the current process's user and group.
  explicit TarWriter(io::ByteSink& sink);
  TarWriter(io::ByteSink& sink, TarOwner owner);
  ~TarWriter();
  TarWriter(const TarWriter&) = delete;
  TarWriter& operator=(const TarWriter&) = delete;

  void add_directory(const std::string& name, mode_t mode, std::int64_t mtime);
  void add_symlink(const std::string& name, const std::string& target, mode_t mode, std::int64_t mtime);
  std::uint64_t add_file(const std::string& name, mode_t mode, std::int64_t mtime, std::uint64_t declared_size,
                         io::ByteSource& content);

  // Writes the end-of-archive blocks. Call once, after the last member.
  void finish();

  // Tar stream bytes produced so far (headers, data, padding). Up to one
  // 10240-byte record may still be buffered before finish(); after finish()
  // this is exactly what the sink received, end-of-archive blocks included.
  std::uint64_t bytes_written() const;

 private:
  static ssize_t on_write(struct archive* a, void* self, const void* buf, std::size_t len);
  void ensure_usable() const;
  void write_header(struct archive_entry* entry, const std::string& name);
  void check(int rc, const std::string& what);
  detail::EntryPtr make_entry(const std::string& name, unsigned int type, mode_t mode, std::int64_t mtime) const;

  io::ByteSink& sink_;
  TarOwner owner_;
  detail::WriteArchivePtr archive_;
  std::vector<std::byte> buffer_;
  std::exception_ptr sink_error_;
  std::uint64_t sink_bytes_ = 0;
  bool broken_ = false;
  bool finished_ = false;
  bool discard_ = false;  // set by the destructor: drop what libarchive flushes on free
};

}  // namespace wale::tar
