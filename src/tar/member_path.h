// Tar member names: validation for writing and safe splitting for extraction.
//
// split_member(): the components of a member name as SafeExtractor may use
// them. "", ".", "/", "./" (and any name made only of "/" or only of "." and
// "/" components) is the archive root and yields no components; "." and empty
// components are dropped ("./a//b" -> {"a","b"}). Throws Error{Corrupt},
// naming the member, for a NUL byte, an absolute path other than the root, or
// any ".." component.
// is_writable_name(): true for a canonical relative name as TarWriter accepts
// it (see tar_writer.h). None keeps state; all are thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace wale::tar {

std::vector<std::string> split_member(std::string_view member);

bool is_writable_name(std::string_view name, bool allow_trailing_slash);

// Throws Error{Corrupt, "unsafe tar member \"<member>\": <why>"}.
[[noreturn]] void throw_unsafe_member(std::string_view member, const std::string& why);

}  // namespace wale::tar
