// HookStore: an ObjectStore that delegates to another one and calls test
// hooks when a put starts, on each write of a put's sink and after a put's
// sink finished, so tests can interleave concurrent pushers or change files
// at exact points. Hooks run on the calling thread; set them before use.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "store/object_store.h"

namespace wale::test {

class HookStore final : public store::ObjectStore {
 public:
  using Hook = std::function<void(const std::string& key)>;
  explicit HookStore(store::ObjectStore& inner) : inner_(inner) {}
  Hook on_put, on_write, after_finish;

  std::unique_ptr<io::ByteSink> put(std::string_view key, const store::PutOptions& options = {}) override {
    if (on_put) on_put(std::string(key));
    return std::make_unique<Sink>(*this, std::string(key), inner_.put(key, options));
  }
  std::unique_ptr<io::ByteSource> get(std::string_view key) override { return inner_.get(key); }
  std::optional<store::ObjectInfo> stat(std::string_view key) override { return inner_.stat(key); }
  void list(std::string_view prefix, const std::function<void(const store::ObjectInfo&)>& each) override {
    inner_.list(prefix, each);
  }
  void remove(std::span<const std::string> keys) override { inner_.remove(keys); }
  std::string describe(std::string_view key) const override { return inner_.describe(key); }

 private:
  class Sink final : public io::ByteSink {
   public:
    Sink(HookStore& owner, std::string key, std::unique_ptr<io::ByteSink> inner)
        : owner_(owner), key_(std::move(key)), inner_(std::move(inner)) {}
    void write(std::span<const std::byte> data) override {
      if (owner_.on_write) owner_.on_write(key_);
      inner_->write(data);
    }
    using io::ByteSink::write;
    void finish() override {
      inner_->finish();
      if (owner_.after_finish) owner_.after_finish(key_);
    }

   private:
    HookStore& owner_;
    std::string key_;
    std::unique_ptr<io::ByteSink> inner_;
  };
  store::ObjectStore& inner_;
};

}  // namespace wale::test
