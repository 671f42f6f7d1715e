// SafeExtractor: writes the members of tar streams into a restore target and
// never outside it.
//
// Construction: `root` must be an existing directory (it may itself be reached
// through a symlink: the caller chose it). Each TablespaceMapping sends the
// members under `tar_prefix` (a relative member path such as
// "pg_tblspc/16389") into `dest_dir` (an absolute, existing directory)
// instead of the root; the longest matching prefix wins.
//
// Rules for each member (violations throw Error{Corrupt} naming the member):
//  - "", ".", "/" and "./" (WAL-E's first member is the data directory itself,
//    named "/") are the root; a member naming exactly a mapping's prefix is
//    that mapping's directory. Such a member must be a directory; its mtime
//    is applied to the root (or dest_dir), whose mode is always set to 0700
//    (PostgreSQL refuses a data directory others can read).
//  - Absolute paths, ".." components and NUL bytes are rejected; "." and empty
//    components are ignored ("./a//b" is "a/b").
//  - Hard links and special files (devices, FIFOs...) are rejected.
//  - Every path component is opened with openat(O_NOFOLLOW|O_DIRECTORY)
//    starting from the root's (or dest_dir's) descriptor, so no symlink,
//    whether an earlier member made it or it was already there, can redirect
//    a write: a path through a symlink is rejected. Missing parents are
//    created (mode 0700).
//  - An existing symlink or file at a member's own path is unlinked and
//    replaced (never followed, never written through); an existing directory
//    is kept for a directory member and rejected for any other type.
//  - Modes come from the archive without group/world write, setuid, setgid
//    and sticky bits (mode & 0755). Files are created 0600 and get their mode
//    and mtime once written; directories get theirs in finish() (so a
//    read-only directory can still be filled). Symlinks get their mtime.
//    Ownership is not restored (files belong to the restoring user).
//  - No fsync per file: finish() applies the directory modes and mtimes, then
//    makes everything durable with syncfs() on the root's and each mapping's
//    file system.
//  - File data is written by a background thread (io::WriteBehind) while the
//    caller's thread reads the next chunk: write errors surface at a later
//    extract_entry(), flush() or finish(). With use_direct_io(true), files of
//    at least kDirectMin bytes are written with O_DIRECT where the file system
//    allows it (same bytes; see io/write_behind.h).
// A rejected member stops extraction; members before it stay written (the
// caller cleans the target). The process StopToken is checked before each
// member and each data chunk: once stop is requested, extraction throws
// Error{Cancelled} (the file being written stays partial: the caller cleans).
//
// Ownership: owns its directory descriptors; borrows the readers.
// Errors: wale::Error (Corrupt for unsafe or damaged archives, Io/NotFound
// for file-system failures, Usage for a bad mapping).
// Thread safety: one object is used by one thread at a time. Several objects
// may extract into the same target concurrently (backup-fetch runs one per
// partition): shared parent directories are created race-free; members
// should be disjoint between them (the same file in two streams ends up as
// whichever was written last).
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "io/unique_fd.h"
#include "io/write_behind.h"
#include "tar/tar_reader.h"

namespace wale::tar {

struct TablespaceMapping {
  std::string tar_prefix;  // e.g. "pg_tblspc/16389"
  std::string dest_dir;    // absolute, existing directory
};

class SafeExtractor {
 public:
  SafeExtractor(const std::string& root, const std::vector<TablespaceMapping>& mappings);

  // Extracts every member of the stream (one call per tar partition).
  void extract(TarReader& reader);

  // Extracts the member `reader.next()` just returned (reads its data).
  void extract_entry(const Entry& entry, TarReader& reader);

  // Writes the root's member `member` (e.g. "global/pg_control") as `name` in
  // the same directory instead: backup-fetch renames it into place last.
  void rename_member(const std::string& member, const std::string& name);

  // Files of at least kDirectMin bytes bypass the page cache (off by default).
  static constexpr std::uint64_t kDirectMin = 1024 * 1024;
  void use_direct_io(bool on) { direct_io_ = on; }

  // Waits until every file extracted so far is written (throws the first
  // write failure), then frees the copy buffers and the writer thread (made
  // again when a file is next written): backup-fetch keeps one extractor per
  // partition until finish(), and calls this when a partition's stream is
  // done, so only running ones hold them.
  void flush();

  // Restores directory modes and mtimes and syncs the file systems. Call once, last.
  // `sync` false skips the file-system sync (when another extractor of the
  // same restore does it last, once).
  void finish(bool sync = true);

  std::uint64_t files_written() const { return files_; }
  std::uint64_t bytes_written() const { return bytes_; }  // file data bytes (queued for writing)
  // Files written (at least partly) with O_DIRECT, once flushed (for tests).
  std::uint64_t direct_files() const { return writer_ ? writer_->direct_files() : 0; }

 private:
  struct Base {
    std::vector<std::string> prefix;  // empty for the root
    std::string dir;
    io::UniqueFd fd;
  };
  struct PendingDir {
    std::size_t base;
    std::vector<std::string> parts;  // relative to the base; empty = the base itself
    mode_t mode;
    struct timespec mtime;
  };

  io::UniqueFd open_parent(const Base& base, const std::vector<std::string>& parts, std::size_t count,
                           const std::string& member, bool create) const;
  std::string describe(const Base& base, const std::vector<std::string>& parts) const;
  void make_directory(int parent, const std::string& name, const std::string& where);
  void make_symlink(int parent, const std::string& name, const Entry& entry, const std::string& where);
  void make_file(int parent, const std::string& name, const Entry& entry, TarReader& reader, const std::string& where);

  std::vector<Base> bases_;                                                // the root first, then the mappings
  std::vector<std::pair<std::vector<std::string>, std::string>> renamed_;  // root member parts -> name
  std::vector<PendingDir> pending_dirs_;
  std::unique_ptr<io::WriteBehind> writer_;  // made at the first file
  bool direct_io_ = false;
  std::uint64_t files_ = 0;
  std::uint64_t bytes_ = 0;
};

}  // namespace wale::tar
