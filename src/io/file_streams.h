// Local file streams and file-system helpers.
//
// FileSource: reads a file from its start. open_file_source() returns nullptr
// when the file does not exist; other failures throw Error{Io}.
// AtomicFileSink: writes to a hidden temporary file beside `path`; finish()
// fsyncs it, renames it over `path` and fsyncs the directory, so `path`
// either does not exist or holds the complete data. With Publish::IfAbsent,
// finish() never replaces: it links the temporary file into place
// (renameat2 RENAME_NOREPLACE, or link(2) where the file system lacks it) and
// throws Error{Conflict} if `path` exists. With Hold::InMemory, written bytes
// are held in memory (up to kHoldLimit; past it they stream to the file as
// usual) and finish() writes them in one piece, the whole 4 KiB blocks with
// O_DIRECT (no copy into the page cache, no dirty pages for the fsync to
// write back) and the tail through the page cache; a file system that refuses
// O_DIRECT gets the same bytes through the page cache. Each thread keeps one
// hold buffer (kHoldLimit bytes) for its next holding sink. Destroyed unfinished (or after a
// failed finish), it removes the temporary file. Files are created with `mode` (default 0600).
// All functions throw wale::Error on failure. Not thread-safe per object.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "io/byte_sink.h"
#include "io/byte_source.h"
#include "io/direct_io.h"
#include "io/unique_fd.h"

namespace wale::io {

class FileSource final : public ByteSource {
 public:
  FileSource(UniqueFd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}
  std::size_t read(std::span<std::byte> out) override;
  int fd() const { return fd_.get(); }

 private:
  UniqueFd fd_;
  std::string path_;
};

std::unique_ptr<FileSource> open_file_source(const std::string& path);

class AtomicFileSink final : public ByteSink {
 public:
  enum class Publish { Replace, IfAbsent };
  enum class Hold { None, InMemory };
  static constexpr std::size_t kHoldLimit = 8 << 20;
  // `sync` false skips the fsyncs (the caller makes data durable later, e.g. syncfs).
  explicit AtomicFileSink(std::string path, mode_t mode = 0600, bool sync = true, Publish publish = Publish::Replace,
                          Hold hold = Hold::None);
  ~AtomicFileSink() override;
  void write(std::span<const std::byte> data) override;
  using ByteSink::write;
  void finish() override;
  // Whether finish() wrote whole blocks with O_DIRECT (tests).
  bool wrote_direct() const { return wrote_direct_; }

 private:
  void write_held();
  void release_held() noexcept;
  // This thread's spare hold buffer, kept between sinks: a fresh mapping of
  // kHoldLimit bytes would cost a page fault per 4 KiB held (more than the
  // copy into the page cache that holding saves).
  static AlignedBuffer& spare_buffer() noexcept;

  std::string path_;
  std::string temp_;
  UniqueFd fd_;
  bool sync_;
  Publish publish_;
  bool holding_;
  AlignedBuffer held_;  // kHoldLimit bytes, 4 KiB aligned, while holding_
  std::size_t held_size_ = 0;
  bool wrote_direct_ = false;
  bool done_ = false;
};

// Writes all of data to fd (retrying short writes and EINTR).
void write_all(int fd, const void* data, std::size_t size, const std::string& path);

// fsync of a directory (to make a rename or create durable).
void fsync_dir(const std::string& dir);

// mkdir -p with the given mode for each created directory. With
// `sync_parents`, the parent of every directory created is fsynced after the
// mkdir, so that the new directory itself survives a crash (an fsync of a
// file and of its own directory does not make that directory's entry durable).
void make_dirs(const std::string& path, mode_t mode = 0700, bool sync_parents = false);

// The names in a directory (no "." or ".."), sorted; empty if the directory
// does not exist (or vanished). Other failures throw Error{Io}.
std::vector<std::string> directory_names(const std::string& dir);

// Removes the temporary files AtomicFileSink left in `dir` when its process
// was killed (".NAME.tmp.PID.N.RAND"; only those whose NAME starts with
// `name_prefix`, if given): a temporary is stale once it was not modified for
// `idle_dead` and its process no longer exists on this host, or once it was
// not modified for `idle_any` whatever its process (another host or PID
// namespace). A live writer touches its file with every write, so neither
// catches a transfer in progress. Returns how many were removed; never throws
// (a sweep only saves space).
struct StaleTempPolicy {
  std::chrono::seconds idle_dead{60};
  std::chrono::seconds idle_any{3600};
};
std::size_t remove_stale_temps(const std::string& dir, const std::string& name_prefix = {},
                               const StaleTempPolicy& policy = {});

// True when AtomicFileSink could have made `name` (".NAME.tmp.PID.N.RAND");
// sets *pid to PID.
bool parse_temp_name(const std::string& name, long* pid);

std::string parent_dir(const std::string& path);
std::string base_name(const std::string& path);

}  // namespace wale::io
