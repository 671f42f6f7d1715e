// MemoryStore: an ObjectStore held in memory, for unit tests. Thread-safe.
// Extra test hooks: object_count(), and set_modified() to control LATEST.
#pragma once

#include <map>
#include <mutex>

#include "store/object_store.h"

namespace wale::store {

class MemoryStore final : public ObjectStore {
 public:
  std::unique_ptr<io::ByteSink> put(std::string_view key, const PutOptions& options = {}) override;
  std::unique_ptr<io::ByteSource> get(std::string_view key) override;
  std::optional<ObjectInfo> stat(std::string_view key) override;
  void list(std::string_view prefix, const std::function<void(const ObjectInfo&)>& each) override;
  void remove(std::span<const std::string> keys) override;
  std::string describe(std::string_view key) const override;

  std::size_t object_count() const;
  void set_modified(std::string_view key, std::chrono::system_clock::time_point when);

 private:
  struct Object {
    std::vector<std::byte> data;
    std::chrono::system_clock::time_point modified;
  };
  mutable std::mutex mu_;  // guards objects_
  std::map<std::string, Object, std::less<>> objects_;
};

}  // namespace wale::store
