// CrashableStore: a memory store whose objects can be visible but not yet
// durable, as the local store's are between a killed writer's rename and its
// directory fsync. leave_unsynced() marks an object so; crash() (a power
// loss) removes every object still so marked; make_durable() clears the mark
// (and throws Error{NotFound} for a missing object, like the local store).
// A finished put is durable. Thread-safe.
#pragma once

#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "store/memory/memory_store.h"

namespace wale::test {

class CrashableStore final : public store::ObjectStore {
 public:
  std::unique_ptr<io::ByteSink> put(std::string_view key, const store::PutOptions& options = {}) override {
    return inner_.put(key, options);
  }
  std::unique_ptr<io::ByteSource> get(std::string_view key) override { return inner_.get(key); }
  std::optional<store::ObjectInfo> stat(std::string_view key) override { return inner_.stat(key); }
  void list(std::string_view prefix, const std::function<void(const store::ObjectInfo&)>& each) override {
    inner_.list(prefix, each);
  }
  void remove(std::span<const std::string> keys) override { inner_.remove(keys); }
  std::string describe(std::string_view key) const override { return inner_.describe(key); }
  void make_durable(std::string_view key) override {
    if (!inner_.stat(key)) throw Error(ErrorCode::NotFound, "no object " + std::string(key));
    std::lock_guard lock(mu_);
    unsynced_.erase(std::string(key));
  }

  // The object under `key` was published by a writer killed before it synced it.
  void leave_unsynced(const std::string& key) {
    std::lock_guard lock(mu_);
    unsynced_.insert(key);
  }
  // A power loss: objects that were never made durable are gone.
  void crash() {
    std::lock_guard lock(mu_);
    std::vector<std::string> lost(unsynced_.begin(), unsynced_.end());
    inner_.remove(lost);
    unsynced_.clear();
  }

 private:
  store::MemoryStore inner_;
  std::mutex mu_;                   // guards unsynced_
  std::set<std::string> unsynced_;  // visible, not durable
};

}  // namespace wale::test
