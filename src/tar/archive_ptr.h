// Owning pointers for libarchive handles, usable in public headers without
// including <archive.h>. Internal to the tar module.
#pragma once

#include <memory>

struct archive;
struct archive_entry;

namespace wale::tar::detail {

struct ReadArchiveDeleter {
  void operator()(struct archive* a) const noexcept;  // archive_read_free
};
struct WriteArchiveDeleter {
  void operator()(struct archive* a) const noexcept;  // archive_write_free
};
struct EntryDeleter {
  void operator()(struct archive_entry* e) const noexcept;  // archive_entry_free
};

using ReadArchivePtr = std::unique_ptr<struct archive, ReadArchiveDeleter>;
using WriteArchivePtr = std::unique_ptr<struct archive, WriteArchiveDeleter>;
using EntryPtr = std::unique_ptr<struct archive_entry, EntryDeleter>;

}  // namespace wale::tar::detail
