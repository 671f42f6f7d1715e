#include "store/object_store.h"

#include "core/error.h"
#include "io/memory_streams.h"

namespace wale::store {

void check_key(std::string_view key) {
  auto bad = [&](const char* why) {
    throw Error(ErrorCode::Usage, std::string("invalid object key: ") + why,
                "The key is \"" + std::string(key) + "\".");
  };
  if (key.empty()) bad("empty");
  if (key.front() == '/') bad("leading '/'");
  if (key.find('\0') != std::string_view::npos) bad("NUL byte");
  std::size_t start = 0;
  while (start <= key.size()) {
    std::size_t end = key.find('/', start);
    if (end == std::string_view::npos) end = key.size();
    std::string_view seg = key.substr(start, end - start);
    if (seg.empty() && end != key.size()) bad("empty path segment");
    if (seg == "." || seg == "..") bad("'.' or '..' segment");
    start = end + 1;
  }
}

std::vector<ObjectInfo> ObjectStore::stat_many(std::span<const std::string> keys) {
  std::vector<ObjectInfo> out;
  for (const auto& key : keys) {
    if (auto info = stat(key)) out.push_back(std::move(*info));
  }
  return out;
}

void put_bytes(ObjectStore& store, std::string_view key, std::string_view bytes, const PutOptions& options) {
  auto sink = store.put(key, options);
  sink->write(bytes);
  sink->finish();
}

std::optional<std::string> get_bytes(ObjectStore& store, std::string_view key) {
  auto source = store.get(key);
  if (!source) return std::nullopt;
  return io::read_all(*source);
}

}  // namespace wale::store
