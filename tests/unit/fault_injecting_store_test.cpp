// The fault-injecting store decorator itself: each fault does what its
// contract says, and only to the calls it names.
#include <gtest/gtest.h>

#include "core/error.h"
#include "io/memory_streams.h"
#include "store/memory/memory_store.h"
#include "test_support/fault_injecting_store.h"

namespace wale::test {
namespace {

using Op = FaultInjectingStore::Op;

ErrorCode code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  ADD_FAILURE() << "no wale::Error was thrown";
  return ErrorCode::Internal;
}

TEST(FaultInjectingStore, FailsOnlyTheNthMatchingCallWithTheChosenCode) {
  store::MemoryStore base;
  FaultInjectingStore s(base);
  s.fail(Op::Put, ErrorCode::Io, "wal_005/*", 2);
  store::put_bytes(s, "wal_005/a", "1");
  store::put_bytes(s, "basebackups_005/x", "2");  // does not match: not counted
  EXPECT_EQ(code_of([&] { store::put_bytes(s, "wal_005/b", "3"); }), ErrorCode::Io);
  store::put_bytes(s, "wal_005/c", "4");  // the third is fine again
  EXPECT_EQ(base.object_count(), 3u);
  EXPECT_FALSE(base.stat("wal_005/b"));
  EXPECT_EQ(s.calls(Op::Put), 4u);
  EXPECT_EQ(s.faults_fired(), 1u);
  EXPECT_EQ(s.fired_keys(), std::vector<std::string>{"wal_005/b"});
}

TEST(FaultInjectingStore, NthZeroFailsEveryMatchingCallOfEachOperation) {
  store::MemoryStore base;
  store::put_bytes(base, "a/1", "x");
  FaultInjectingStore s(base);
  s.fail(Op::Get, ErrorCode::Transient, "*", 0)
      .fail(Op::Stat, ErrorCode::Remote, "a/*", 0)
      .fail(Op::List, ErrorCode::Transient, "a/", 0)
      .fail(Op::Remove, ErrorCode::Io, "a/1", 0)
      .fail(Op::CheckAccess, ErrorCode::Config, "*", 0);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(code_of([&] { s.get("a/1"); }), ErrorCode::Transient);
    EXPECT_EQ(code_of([&] { s.stat("a/1"); }), ErrorCode::Remote);
    EXPECT_EQ(code_of([&] { s.list("a/", [](const store::ObjectInfo&) {}); }), ErrorCode::Transient);
    std::vector<std::string> keys{"b/2", "a/1"};
    EXPECT_EQ(code_of([&] { s.remove(keys); }), ErrorCode::Io);
    EXPECT_EQ(code_of([&] { s.check_access(); }), ErrorCode::Config);
  }
  EXPECT_TRUE(base.stat("a/1"));
  EXPECT_NO_THROW(s.list("b/", [](const store::ObjectInfo&) {}));
  EXPECT_EQ(s.calls(Op::List), 3u);
  s.clear_faults();
  EXPECT_EQ(store::get_bytes(s, "a/1"), "x");
}

TEST(FaultInjectingStore, AFailedWriteOrFinishLeavesNoObject) {
  store::MemoryStore base;
  FaultInjectingStore s(base);
  s.fail(Op::Write, ErrorCode::Transient, "k1").fail(Op::Finish, ErrorCode::Transient, "k2");
  EXPECT_EQ(code_of([&] { store::put_bytes(s, "k1", "data"); }), ErrorCode::Transient);
  EXPECT_EQ(code_of([&] { store::put_bytes(s, "k2", "data"); }), ErrorCode::Transient);
  EXPECT_EQ(base.object_count(), 0u);
  EXPECT_TRUE(s.finished_keys().empty());
}

TEST(FaultInjectingStore, ADroppedWriteReportsSuccessButStoresNothing) {
  store::MemoryStore base;
  store::put_bytes(base, "k", "old");
  FaultInjectingStore s(base);
  s.drop_writes("k");
  EXPECT_NO_THROW(store::put_bytes(s, "k", "new"));
  EXPECT_EQ(store::get_bytes(base, "k"), "old");  // the earlier object is unharmed
  EXPECT_EQ(s.finished_keys(), std::vector<std::string>{"k"});
  store::put_bytes(s, "k", "newer");  // only the first was dropped
  EXPECT_EQ(store::get_bytes(base, "k"), "newer");
}

TEST(FaultInjectingStore, TruncatesAndCorruptsReadsAtTheOffset) {
  store::MemoryStore base;
  store::put_bytes(base, "t", "0123456789");
  store::put_bytes(base, "c", "0123456789");
  FaultInjectingStore s(base);
  s.truncate_reads("t", 4).corrupt_reads("c", 7);
  EXPECT_EQ(store::get_bytes(s, "t"), "0123");
  std::string corrupted = *store::get_bytes(s, "c");
  ASSERT_EQ(corrupted.size(), 10u);
  EXPECT_EQ(corrupted.substr(0, 7), "0123456");
  EXPECT_EQ(corrupted[7], static_cast<char>('7' ^ 0xff));
  EXPECT_EQ(corrupted.substr(8), "89");
  // Byte-at-a-time reads see the same thing.
  auto src = s.get("c");
  std::string slow;
  std::byte b[1];
  while (src->read(b) == 1) slow.push_back(static_cast<char>(b[0]));
  EXPECT_EQ(slow, corrupted);
  EXPECT_EQ(s.get("absent"), nullptr);
}

TEST(FaultInjectingStore, APartialRemoveKeepsOnlyTheMatchingKeysAndThrows) {
  store::MemoryStore base;
  for (const char* k : {"a", "b/sentinel", "c"}) store::put_bytes(base, k, "x");
  FaultInjectingStore s(base);
  s.fail_removing("*sentinel*", ErrorCode::Transient);
  std::vector<std::string> keys{"a", "b/sentinel", "c"};
  EXPECT_EQ(code_of([&] { s.remove(keys); }), ErrorCode::Transient);
  EXPECT_EQ(base.object_count(), 1u);
  EXPECT_TRUE(base.stat("b/sentinel"));
  EXPECT_EQ(s.fired_keys(), std::vector<std::string>{"a"});  // the call's first key
  s.remove(keys);                                            // the second call is not faulted
  EXPECT_EQ(base.object_count(), 0u);
}

TEST(FaultInjectingStore, FailsTheNthReadOfAnObject) {
  store::MemoryStore base;
  store::put_bytes(base, "r", std::string(100, 'x'));
  FaultInjectingStore s(base);
  s.fail(Op::Read, ErrorCode::Transient, "r", 2);
  auto src = s.get("r");
  std::byte buf[10];
  EXPECT_EQ(src->read(buf), 10u);
  EXPECT_EQ(code_of([&] { src->read(buf); }), ErrorCode::Transient);
  EXPECT_EQ(s.calls(Op::Read), 2u);
}

TEST(FaultInjectingStore, HooksRunAtPutWriteAndAfterFinish) {
  store::MemoryStore base;
  FaultInjectingStore s(base);
  std::vector<std::string> events;
  s.on_put = [&](const std::string& k) { events.push_back("put " + k); };
  s.on_write = [&](const std::string& k) { events.push_back("write " + k); };
  s.after_finish = [&](const std::string& k) {
    events.push_back("finished " + k + (base.stat(k) ? " visible" : " invisible"));
  };
  store::put_bytes(s, "k", "v");
  EXPECT_EQ(events, (std::vector<std::string>{"put k", "write k", "finished k visible"}));
}

}  // namespace
}  // namespace wale::test
