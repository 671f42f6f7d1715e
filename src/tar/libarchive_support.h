// Internal helpers shared by TarWriter and TarReader (not part of the
// module's public API).
//
// - archive_ptr.h: unique ownership of libarchive handles.
// - Utf8CtypeScope: while alive, the calling thread's LC_CTYPE is C.UTF-8.
//   libarchive converts names between the "current locale" and UTF-8 (PAX
//   records are UTF-8); under the C locale any non-ASCII name fails that
//   conversion. Every libarchive call on our handles runs inside this scope,
//   so names are treated as UTF-8 bytes whatever the process locale is. It
//   uses uselocale(), which affects only the calling thread and is restored
//   on destruction. If C.UTF-8 is not installed the scope does nothing.
// - quote_member(): a member name made printable for one-line messages.
// Nothing here throws except quote_member (bad_alloc).
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <locale.h>

#include <string>
#include <string_view>

#include "tar/archive_ptr.h"

namespace wale::tar::detail {

class Utf8CtypeScope {
 public:
  Utf8CtypeScope() noexcept;
  ~Utf8CtypeScope();
  Utf8CtypeScope(const Utf8CtypeScope&) = delete;
  Utf8CtypeScope& operator=(const Utf8CtypeScope&) = delete;

 private:
  locale_t previous_ = nullptr;
};

// The member name in double quotes, with control bytes, '"' , '\\' and bytes
// >= 0x80 that are not valid UTF-8 escaped as \xNN; long names are shortened.
std::string quote_member(std::string_view name);

// libarchive's last error message for `a`, or `fallback` when it has none.
std::string archive_message(struct archive* a, const char* fallback);

}  // namespace wale::tar::detail
