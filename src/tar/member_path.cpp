#include "tar/member_path.h"

#include "core/error.h"
#include "tar/libarchive_support.h"

namespace wale::tar {

void throw_unsafe_member(std::string_view member, const std::string& why) {
  throw Error(ErrorCode::Corrupt, "unsafe tar member " + detail::quote_member(member) + ": " + why,
              "Nothing was written for this member.",
              "The archive is damaged, or was made to write outside the restore target.");
}

std::vector<std::string> split_member(std::string_view member) {
  if (member.find('\0') != std::string_view::npos) throw_unsafe_member(member, "NUL byte in the name");
  bool absolute = !member.empty() && member.front() == '/';
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= member.size()) {
    std::size_t end = member.find('/', start);
    if (end == std::string_view::npos) end = member.size();
    std::string_view part = member.substr(start, end - start);
    if (part == "..") throw_unsafe_member(member, "\"..\" in the path");
    if (!part.empty() && part != ".") parts.emplace_back(part);
    start = end + 1;
  }
  // "/" alone is WAL-E's name for the data directory itself; "/etc" is not allowed.
  if (absolute && !parts.empty()) throw_unsafe_member(member, "absolute path");
  return parts;
}

bool is_writable_name(std::string_view name, bool allow_trailing_slash) {
  if (allow_trailing_slash && name.size() > 1 && name.back() == '/') name.remove_suffix(1);
  if (name.empty() || name.find('\0') != std::string_view::npos) return false;
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t end = name.find('/', start);
    if (end == std::string_view::npos) end = name.size();
    std::string_view part = name.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = end + 1;
  }
  return true;
}

}  // namespace wale::tar
