// FaultInjectingStore: an ObjectStore decorator for unit tests, in the spirit
// of LevelDB's fault-injection Env. It delegates every call to another store
// (not owned; must outlive it) and can, on chosen calls:
//  - throw wale::Error with a chosen code from put(), a sink's write() or
//    finish(), get(), a source's read(), stat(), list(), remove() or
//    check_access();
//  - hand out a source whose bytes are cut short (truncated) or have one
//    byte flipped (corrupted) at a chosen offset;
//  - remove only some of the keys of one remove() call and then throw, as a
//    batch delete does that fails for some of its keys;
//  - drop a write: finish() reports success but the inner sink is abandoned,
//    so nothing is stored -- a write lost after it was acknowledged, as an
//    unsynced write lost in a crash;
//  - call test hooks when a put starts, on each write of a put's sink, after
//    a put's sink finished and when a get starts, to interleave threads or
//    look at the world at exact points.
// It counts every call per operation.
//
// A fault is a Rule: the operation, a key pattern (fnmatch(3) glob without
// FNM_PATHNAME, so '*' also matches '/'; list() matches its prefix; remove()
// fires if any key matches), and which matching call fires: the nth (1-based)
// or, with nth = 0, every one. Each rule counts its own matching calls.
// Rules and hooks are set before the store is used concurrently; calls are
// thread-safe (a mutex guards rules and counters; hooks run outside it, on
// the calling thread).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/error.h"
#include "store/object_store.h"

namespace wale::test {

class FaultInjectingStore final : public store::ObjectStore {
 public:
  enum class Op { Put, Write, Finish, Get, Read, Stat, List, Remove, CheckAccess };
  enum class Action {
    Throw,     // throw Error{code}
    Truncate,  // Get: the object's source ends after `offset` bytes
    Corrupt,   // Get: the byte at `offset` is flipped (no effect past the end)
    Drop,      // Finish: report success, store nothing
    Partial,   // Remove: remove the call's other keys, keep the matching ones, then throw
               // Error{code} -- a batch delete failing for some keys (S3 DeleteObjects)
  };
  struct Rule {
    Op op = Op::Put;
    Action action = Action::Throw;
    ErrorCode code = ErrorCode::Transient;
    std::string pattern = "*";
    std::size_t nth = 1;  // 1-based among matching calls; 0 = every matching call
    std::uint64_t offset = 0;
  };
  using Hook = std::function<void(const std::string& key)>;

  explicit FaultInjectingStore(store::ObjectStore& inner) : inner_(inner) {}

  // Adds a rule (see Rule); returns *this for chaining.
  FaultInjectingStore& add(Rule rule);
  // Throws Error{code} from the nth call of `op` on a key matching `pattern`.
  FaultInjectingStore& fail(Op op, ErrorCode code, std::string pattern = "*", std::size_t nth = 1) {
    return add(Rule{op, Action::Throw, code, std::move(pattern), nth, 0});
  }
  // Gets of matching keys return only the first `keep` bytes.
  FaultInjectingStore& truncate_reads(std::string pattern, std::uint64_t keep, std::size_t nth = 0) {
    return add(Rule{Op::Get, Action::Truncate, ErrorCode::Internal, std::move(pattern), nth, keep});
  }
  // Gets of matching keys return the object with the byte at `offset` flipped.
  FaultInjectingStore& corrupt_reads(std::string pattern, std::uint64_t offset, std::size_t nth = 0) {
    return add(Rule{Op::Get, Action::Corrupt, ErrorCode::Internal, std::move(pattern), nth, offset});
  }
  // The nth finished put of a matching key reports success but stores nothing.
  FaultInjectingStore& drop_writes(std::string pattern, std::size_t nth = 1) {
    return add(Rule{Op::Finish, Action::Drop, ErrorCode::Internal, std::move(pattern), nth, 0});
  }
  // The nth remove() naming a matching key removes every other key it names,
  // keeps the matching ones and throws Error{code}.
  FaultInjectingStore& fail_removing(std::string pattern, ErrorCode code, std::size_t nth = 1) {
    return add(Rule{Op::Remove, Action::Partial, code, std::move(pattern), nth, 0});
  }
  void clear_faults();

  // Calls of `op` so far (every key, faulted or not).
  std::size_t calls(Op op) const;
  // Faults that fired so far, and the (first) key of each.
  std::size_t faults_fired() const;
  std::vector<std::string> fired_keys() const;
  // Keys whose finish() reported success, in order (dropped writes included).
  std::vector<std::string> finished_keys() const;

  Hook on_put, on_write, after_finish, on_get;
  Hook on_list;  // with the prefix, before the inner store lists it

  std::unique_ptr<io::ByteSink> put(std::string_view key, const store::PutOptions& options = {}) override;
  std::unique_ptr<io::ByteSource> get(std::string_view key) override;
  // get(key) (with its faults), after calling on_get_verified_by_reader(key):
  // lets tests see which reads asked to skip the store's own digest.
  std::unique_ptr<io::ByteSource> get_verified_by_reader(std::string_view key) override {
    if (on_get_verified_by_reader) on_get_verified_by_reader(std::string(key));
    return get(key);
  }
  Hook on_get_verified_by_reader;
  std::optional<store::ObjectInfo> stat(std::string_view key) override;
  void list(std::string_view prefix, const std::function<void(const store::ObjectInfo&)>& each) override;
  void remove(std::span<const std::string> keys) override;
  void make_durable(std::string_view key) override { inner_.make_durable(key); }
  std::size_t remove_abandoned(std::string_view prefix, std::chrono::seconds at_most_every = {}) override {
    if (on_remove_abandoned) on_remove_abandoned(std::string(prefix));
    return inner_.remove_abandoned(prefix, at_most_every);
  }
  Hook on_remove_abandoned;  // with the prefix
  std::string describe(std::string_view key) const override { return inner_.describe(key); }
  void check_access() override;

 private:
  class Sink;
  class Source;
  struct RuleState {
    Rule rule;
    std::size_t seen = 0;
  };
  // Counts a call of `op` on `keys` and returns the first rule that fires
  // (a copy), if any. A Throw rule that fires is thrown here instead.
  std::optional<Rule> hit(Op op, std::span<const std::string> keys);
  std::optional<Rule> hit(Op op, const std::string& key) { return hit(op, std::span<const std::string>(&key, 1)); }

  store::ObjectStore& inner_;
  mutable std::mutex mu_;
  std::vector<RuleState> rules_;            // guarded by mu_
  std::size_t counts_[9] = {};              // guarded by mu_; indexed by Op
  std::size_t fired_ = 0;                   // guarded by mu_
  std::vector<std::string> fired_keys_;     // guarded by mu_
  std::vector<std::string> finished_keys_;  // guarded by mu_
};

const char* to_string(FaultInjectingStore::Op op) noexcept;

}  // namespace wale::test
