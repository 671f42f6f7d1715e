// tar::Entry: one member's header as TarReader reports it.
//
// `path` is the name exactly as stored (after PAX/GNU long-name records are
// applied): it may be absolute, hold "..", or end in "/"; consumers that write
// to disk must validate it (SafeExtractor does). Plain value type.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace wale::tar {

struct Entry {
  enum class Type { File, Directory, Symlink, Hardlink, Other };

  std::string path;
  Type type = Type::File;
  mode_t mode = 0;              // permission bits (07777)
  std::int64_t mtime = 0;       // seconds since the epoch
  std::int32_t mtime_nsec = 0;  // PAX records carry fractions (Python's tarfile writes them)
  std::uint64_t size = 0;       // bytes of data that follow (0 for directories and links)
  std::string link_target;      // Symlink: its target; Hardlink: the member it links to
};

const char* to_string(Entry::Type type) noexcept;

}  // namespace wale::tar
