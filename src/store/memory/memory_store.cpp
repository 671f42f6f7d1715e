#include "store/memory/memory_store.h"

#include "core/error.h"
#include "io/memory_streams.h"

namespace wale::store {

std::unique_ptr<io::ByteSink> MemoryStore::put(std::string_view key, const PutOptions& options) {
  check_key(key);
  return std::make_unique<io::MemorySink>([this, k = std::string(key),
                                           if_absent = options.if_absent](std::vector<std::byte>&& data) {
    std::lock_guard lock(mu_);
    if (if_absent && objects_.contains(k)) {
      throw Error(ErrorCode::Conflict, "object already exists", "The key is " + describe(k) + "; it was not replaced.");
    }
    objects_[k] = Object{std::move(data), std::chrono::system_clock::now()};
  });
}

std::unique_ptr<io::ByteSource> MemoryStore::get(std::string_view key) {
  check_key(key);
  std::lock_guard lock(mu_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return nullptr;
  return std::make_unique<io::MemorySource>(it->second.data);
}

std::optional<ObjectInfo> MemoryStore::stat(std::string_view key) {
  check_key(key);
  std::lock_guard lock(mu_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return std::nullopt;
  return ObjectInfo{it->first, it->second.data.size(), it->second.modified};
}

void MemoryStore::list(std::string_view prefix, const std::function<void(const ObjectInfo&)>& each) {
  std::vector<ObjectInfo> found;
  {
    std::lock_guard lock(mu_);
    for (auto it = objects_.lower_bound(prefix); it != objects_.end(); ++it) {
      if (it->first.compare(0, prefix.size(), prefix) != 0) break;
      found.push_back(ObjectInfo{it->first, it->second.data.size(), it->second.modified});
    }
  }
  for (const auto& info : found) each(info);
}

void MemoryStore::remove(std::span<const std::string> keys) {
  std::lock_guard lock(mu_);
  for (const auto& k : keys) objects_.erase(k);
}

std::string MemoryStore::describe(std::string_view key) const { return "memory:///" + std::string(key); }

std::size_t MemoryStore::object_count() const {
  std::lock_guard lock(mu_);
  return objects_.size();
}

void MemoryStore::set_modified(std::string_view key, std::chrono::system_clock::time_point when) {
  std::lock_guard lock(mu_);
  auto it = objects_.find(key);
  if (it != objects_.end()) it->second.modified = when;
}

}  // namespace wale::store
