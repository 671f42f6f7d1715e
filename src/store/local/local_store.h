// LocalStore: an ObjectStore in a local directory (WAL-E's file:// backend).
// Each key is a file at <root>/<key>. Writes go to a hidden temporary file
// that is fsynced and renamed into place, then the directory is fsynced, so
// an interrupted write never leaves a visible object. A create-only put
// (PutOptions::if_absent) moves the file into place with renameat2
// RENAME_NOREPLACE (or link(2)), so it never replaces an object; its bytes
// (WAL objects, a few MiB) are held in memory and written in one piece around
// the page cache at finish() (io::AtomicFileSink::Hold::InMemory: up to 8 MiB,
// beyond that they stream as usual). Files are created 0600
// and directories 0700: the archive holds the whole database.
// Hidden files (a path segment starting with '.') are never listed.
// The root must exist: it is never created (directories below it are), and
// every operation throws Error{Config} "archive root ... does not exist" if it
// is missing -- an unmounted disk or a mistyped prefix must not look like an
// empty archive (restore_command would end recovery early) nor receive WAL.
// The root is checked once per instance (one stat), on first use.
// Thread-safe: no shared mutable state besides the file system (and the
// atomic "root checked" flag).
#pragma once

#include <atomic>
#include <string>

#include "store/object_store.h"

namespace wale::store {

class LocalStore final : public ObjectStore {
 public:
  // `root` is an absolute directory path; throws Error{Config} if it is not
  // absolute. Makes no file system call (the root is checked on first use).
  explicit LocalStore(std::string root);

  std::unique_ptr<io::ByteSink> put(std::string_view key, const PutOptions& options = {}) override;
  std::unique_ptr<io::ByteSource> get(std::string_view key) override;
  std::optional<ObjectInfo> stat(std::string_view key) override;
  void list(std::string_view prefix, const std::function<void(const ObjectInfo&)>& each) override;
  void remove(std::span<const std::string> keys) override;
  // fsyncs the object's file and every directory from its own up to the root.
  void make_durable(std::string_view key) override;
  std::string describe(std::string_view key) const override;
  std::size_t remove_abandoned(std::string_view prefix, std::chrono::seconds at_most_every = {}) override;
  // Throws Error{Config} unless the root directory exists.
  void check_access() override { check_root(); }

  const std::string& root() const { return root_; }

 private:
  std::string path_of(std::string_view key) const;  // validates the key and the root
  void check_root() const;
  std::string root_;
  mutable std::atomic<bool> root_checked_{false};
};

}  // namespace wale::store
