#include "test_support/fault_injecting_store.h"

#include <fnmatch.h>

#include <algorithm>

namespace wale::test {

using Op = FaultInjectingStore::Op;

const char* to_string(Op op) noexcept {
  switch (op) {
    case Op::Put: return "put";
    case Op::Write: return "write";
    case Op::Finish: return "finish";
    case Op::Get: return "get";
    case Op::Read: return "read";
    case Op::Stat: return "stat";
    case Op::List: return "list";
    case Op::Remove: return "remove";
    case Op::CheckAccess: return "check_access";
  }
  return "?";
}

namespace {

bool matches(const std::string& pattern, const std::string& key) {
  return ::fnmatch(pattern.c_str(), key.c_str(), 0) == 0;
}

[[noreturn]] void throw_injected(const FaultInjectingStore::Rule& rule, std::span<const std::string> keys) {
  std::string key = keys.empty() ? std::string() : keys.front();
  throw Error(rule.code, std::string("injected fault: ") + to_string(rule.op) + " of \"" + key + "\" failed",
              "FaultInjectingStore rule on \"" + rule.pattern + "\".");
}

}  // namespace

// Passes writes to the inner sink; finish() may throw or drop the write.
class FaultInjectingStore::Sink final : public io::ByteSink {
 public:
  Sink(FaultInjectingStore& owner, std::string key, std::unique_ptr<io::ByteSink> inner)
      : owner_(owner), key_(std::move(key)), inner_(std::move(inner)) {}
  void write(std::span<const std::byte> data) override {
    if (owner_.on_write) owner_.on_write(key_);
    owner_.hit(Op::Write, key_);
    inner_->write(data);
  }
  using io::ByteSink::write;
  void finish() override {
    auto rule = owner_.hit(Op::Finish, key_);
    if (rule && rule->action == Action::Drop) {
      inner_.reset();  // abandoned: nothing becomes visible
    } else {
      inner_->finish();
    }
    {
      std::lock_guard lock(owner_.mu_);
      owner_.finished_keys_.push_back(key_);
    }
    if (owner_.after_finish) owner_.after_finish(key_);
  }

 private:
  FaultInjectingStore& owner_;
  std::string key_;
  std::unique_ptr<io::ByteSink> inner_;
};

// Passes reads through, optionally cut short or with one byte flipped; each
// read() may throw.
class FaultInjectingStore::Source final : public io::ByteSource {
 public:
  Source(FaultInjectingStore& owner, std::string key, std::unique_ptr<io::ByteSource> inner, std::optional<Rule> rule)
      : owner_(owner), key_(std::move(key)), inner_(std::move(inner)), rule_(std::move(rule)) {}
  std::size_t read(std::span<std::byte> out) override {
    owner_.hit(Op::Read, key_);
    if (rule_ && rule_->action == Action::Truncate) {
      if (pos_ >= rule_->offset) return 0;
      out = out.first(static_cast<std::size_t>(std::min<std::uint64_t>(out.size(), rule_->offset - pos_)));
    }
    std::size_t n = inner_->read(out);
    if (rule_ && rule_->action == Action::Corrupt && rule_->offset >= pos_ && rule_->offset < pos_ + n) {
      out[static_cast<std::size_t>(rule_->offset - pos_)] ^= std::byte{0xff};
    }
    pos_ += n;
    return n;
  }

 private:
  FaultInjectingStore& owner_;
  std::string key_;
  std::unique_ptr<io::ByteSource> inner_;
  std::optional<Rule> rule_;
  std::uint64_t pos_ = 0;
};

FaultInjectingStore& FaultInjectingStore::add(Rule rule) {
  std::lock_guard lock(mu_);
  rules_.push_back(RuleState{std::move(rule), 0});
  return *this;
}

void FaultInjectingStore::clear_faults() {
  std::lock_guard lock(mu_);
  rules_.clear();
}

std::size_t FaultInjectingStore::calls(Op op) const {
  std::lock_guard lock(mu_);
  return counts_[static_cast<std::size_t>(op)];
}

std::size_t FaultInjectingStore::faults_fired() const {
  std::lock_guard lock(mu_);
  return fired_;
}

std::vector<std::string> FaultInjectingStore::fired_keys() const {
  std::lock_guard lock(mu_);
  return fired_keys_;
}

std::vector<std::string> FaultInjectingStore::finished_keys() const {
  std::lock_guard lock(mu_);
  return finished_keys_;
}

std::optional<FaultInjectingStore::Rule> FaultInjectingStore::hit(Op op, std::span<const std::string> keys) {
  std::optional<Rule> fired;
  {
    std::lock_guard lock(mu_);
    ++counts_[static_cast<std::size_t>(op)];
    for (auto& r : rules_) {
      if (r.rule.op != op) continue;
      bool match =
          std::any_of(keys.begin(), keys.end(), [&](const std::string& k) { return matches(r.rule.pattern, k); });
      if (keys.empty()) match = r.rule.pattern == "*";
      if (!match) continue;
      ++r.seen;
      if (!fired && (r.rule.nth == 0 || r.seen == r.rule.nth)) fired = r.rule;
    }
    if (fired) {
      ++fired_;
      fired_keys_.push_back(keys.empty() ? std::string() : keys.front());
    }
  }
  if (fired && fired->action == Action::Throw) throw_injected(*fired, keys);
  return fired;
}

std::unique_ptr<io::ByteSink> FaultInjectingStore::put(std::string_view key, const store::PutOptions& options) {
  std::string k(key);
  if (on_put) on_put(k);
  hit(Op::Put, k);
  return std::make_unique<Sink>(*this, k, inner_.put(key, options));
}

std::unique_ptr<io::ByteSource> FaultInjectingStore::get(std::string_view key) {
  std::string k(key);
  if (on_get) on_get(k);
  auto rule = hit(Op::Get, k);
  auto inner = inner_.get(key);
  if (!inner) return nullptr;
  return std::make_unique<Source>(*this, k, std::move(inner), rule);
}

std::optional<store::ObjectInfo> FaultInjectingStore::stat(std::string_view key) {
  hit(Op::Stat, std::string(key));
  return inner_.stat(key);
}

void FaultInjectingStore::list(std::string_view prefix, const std::function<void(const store::ObjectInfo&)>& each) {
  hit(Op::List, std::string(prefix));
  if (on_list) on_list(std::string(prefix));
  inner_.list(prefix, each);
}

void FaultInjectingStore::remove(std::span<const std::string> keys) {
  auto rule = hit(Op::Remove, keys);
  if (rule && rule->action == Action::Partial) {
    std::vector<std::string> others, kept;
    for (const auto& k : keys) (matches(rule->pattern, k) ? kept : others).push_back(k);
    inner_.remove(others);
    throw_injected(*rule, kept);
  }
  inner_.remove(keys);
}

void FaultInjectingStore::check_access() {
  hit(Op::CheckAccess, std::string());
  inner_.check_access();
}

}  // namespace wale::test
