// wal-push through a live push-ahead worker (app/commands.cpp,
// wal_push_through_worker; server/wal_push_client.h): the call hands its file
// to the worker of the same settings and makes no store of its own when the
// worker vouches; whenever the worker is gone, killed mid-request, answers
// ERR or garbage, or runs with other settings, the call archives the file
// itself.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "app/cli.h"
#include "app/commands.h"
#include "app/forwarding.h"
#include "archive/wal_push_ahead.h"
#include "config/settings.h"
#include "core/error.h"
#include "layout/archive_layout.h"
#include "layout/spool_layout.h"
#include "server/wal_push_client.h"
#include "server/wal_push_server.h"
#include "store/memory/memory_store.h"
#include "test_support/fault_injecting_store.h"
#include "test_support/full_backlog_listener.h"
#include "test_support/temp_dir.h"

namespace wale::app {
namespace {

namespace fs = std::filesystem;
using Op = test::FaultInjectingStore::Op;

const std::string kSeg = "000000010000000000000001";

Invocation parse_ok(std::vector<std::string> args) {
  args.insert(args.begin(), "wal-e");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  auto out = parse_command_line(static_cast<int>(argv.size()), argv.data());
  EXPECT_TRUE(out.invocation) << out.output;
  return out.invocation ? *out.invocation : Invocation{};
}

std::size_t files_under(const std::string& dir) {
  if (!fs::exists(dir)) return 0;
  std::size_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) n += e.is_regular_file() ? 1 : 0;
  return n;
}

// A pg_wal with one segment, the call's own store (a local directory that
// only the call itself writes to) and the call's invocation.
struct Fixture {
  test::TempDir root;
  std::string wal_dir = root.path() + "/pg_wal";
  std::string call_store = root.path() + "/call-store";
  config::Environment env;
  Invocation inv;

  explicit Fixture(const std::string& prefix_dir = "call-store") {
    fs::create_directories(wal_dir + "/archive_status");
    fs::create_directories(root.path() + "/" + prefix_dir);
    std::ofstream f(wal_dir + "/" + kSeg, std::ios::binary);
    for (int i = 0; i < 4096; ++i) f << "segment bytes " << i << '\n';
    f.close();
    inv = parse_ok({"--file-prefix", "file://localhost" + root.path() + "/" + prefix_dir, "--compression", "lz4",
                    "wal-push", "--pool-size", "2", wal_dir + "/" + kSeg});
  }
  std::string socket() const { return layout::push_ahead_socket_path(wal_dir, settings_fingerprint(inv, env)); }
};

// The worker side as run_wal_push_ahead runs it: a WalPushService over a
// counting store, serving on `socket`.
struct Worker {
  store::MemoryStore memory;
  test::FaultInjectingStore store{memory};
  server::WalPushService service{store, archive::PushAheadOptions{codec::Codec::Lz4, 2}};
  std::unique_ptr<server::WalPushServer> server;
  std::thread thread;
  explicit Worker(const std::string& socket) {
    server =
        std::make_unique<server::WalPushServer>(socket, [this](const std::string& path) { return service.push(path); });
    thread = std::thread([this] { server->serve(); });
  }
  ~Worker() {
    server->stop();
    thread.join();
  }
  bool holds(const std::string& seg) { return memory.stat(layout::wal_key(seg, codec::Codec::Lz4)).has_value(); }
};

// A fake worker: accepts one connection, reads the request line and then does `act(fd)`.
struct FakeWorker {
  int listen_fd = -1;
  std::thread thread;
  std::atomic<bool> asked{false};
  FakeWorker(const std::string& socket, std::function<void(int)> act) {
    fs::create_directories(fs::path(socket).parent_path());
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, socket.c_str(), sizeof(addr.sun_path) - 1);
    listen_fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    EXPECT_EQ(::bind(listen_fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(::listen(listen_fd, 4), 0);
    thread = std::thread([this, act] {
      int fd = ::accept(listen_fd, nullptr, nullptr);
      if (fd < 0) return;
      char buf[4096];
      std::string line;
      while (line.find('\n') == std::string::npos) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        line.append(buf, static_cast<std::size_t>(n));
      }
      asked = line.rfind("push ", 0) == 0;
      act(fd);
      ::close(fd);
    });
  }
  ~FakeWorker() {
    ::shutdown(listen_fd, SHUT_RDWR);
    thread.join();
    ::close(listen_fd);
  }
};

TEST(WalPushThroughWorker, TheCallMakesNoStoreOfItsOwnWhenTheWorkerVouches) {
  Fixture fx;
  Worker worker(fx.socket());
  EXPECT_EQ(run_command(fx.inv, fx.env), 0);
  EXPECT_TRUE(worker.holds(kSeg));
  EXPECT_EQ(files_under(fx.call_store), 0u) << "the call archived the file itself";
  EXPECT_EQ(worker.store.calls(Op::Finish), 1u);

  // A second call of the same file: the worker confirms it in its store (one
  // request there), the call still touches no store.
  std::size_t before = worker.store.calls(Op::Stat) + worker.store.calls(Op::List) + worker.store.calls(Op::Get);
  EXPECT_EQ(run_command(fx.inv, fx.env), 0);
  EXPECT_GT(worker.store.calls(Op::Stat) + worker.store.calls(Op::List) + worker.store.calls(Op::Get), before);
  EXPECT_EQ(worker.store.calls(Op::Finish), 1u);
  EXPECT_EQ(files_under(fx.call_store), 0u);
}

TEST(WalPushThroughWorker, AWorkerThatFailsMakesTheCallArchiveItself) {
  Fixture fx;
  Worker worker(fx.socket());
  worker.store.fail(Op::Finish, ErrorCode::Transient, "*", 0);  // every put of the worker fails
  EXPECT_EQ(run_command(fx.inv, fx.env), 0);
  EXPECT_FALSE(worker.holds(kSeg));
  EXPECT_GE(files_under(fx.call_store), 1u) << "the call did not archive the file itself";
}

TEST(WalPushThroughWorker, AGoneWorkerMakesTheCallArchiveItself) {
  Fixture fx;
  { Worker worker(fx.socket()); }  // stopped: its socket is gone
  // A socket file nobody listens on (a worker killed with SIGKILL).
  {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, fx.socket().c_str(), sizeof(addr.sun_path) - 1);
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    ::close(fd);
  }
  ASSERT_TRUE(fs::exists(fx.socket()));
  EXPECT_EQ(run_command(fx.inv, fx.env), 0);
  EXPECT_GE(files_under(fx.call_store), 1u);
}

TEST(WalPushThroughWorker, AWorkerKilledMidRequestMakesTheCallArchiveItself) {
  Fixture fx;
  FakeWorker fake(fx.socket(), [](int) {});  // reads the request, closes without an answer
  EXPECT_EQ(run_command(fx.inv, fx.env), 0);
  EXPECT_TRUE(fake.asked);
  EXPECT_GE(files_under(fx.call_store), 1u);
}

TEST(WalPushThroughWorker, ErrOrGarbageAnswersMakeTheCallArchiveItself) {
  for (std::string answer : {"ERR could not store it\n", "OKAY\n", "stored\n", "OK"}) {
    Fixture fx;
    FakeWorker fake(fx.socket(), [answer](int fd) { (void)!::write(fd, answer.data(), answer.size()); });
    EXPECT_EQ(run_command(fx.inv, fx.env), 0) << answer;
    EXPECT_TRUE(fake.asked) << answer;
    EXPECT_GE(files_under(fx.call_store), 1u) << answer;
  }
}

TEST(WalPushThroughWorker, AWorkerOfOtherSettingsIsNotAsked) {
  Fixture fx;
  Fixture other_settings("other-store");  // another prefix: another fingerprint
  ASSERT_NE(settings_fingerprint(fx.inv, fx.env), settings_fingerprint(other_settings.inv, other_settings.env));
  Worker worker(layout::push_ahead_socket_path(fx.wal_dir, settings_fingerprint(other_settings.inv, fx.env)));
  EXPECT_EQ(run_command(fx.inv, fx.env), 0);
  EXPECT_FALSE(worker.holds(kSeg));
  EXPECT_GE(files_under(fx.call_store), 1u);
  // Without push-ahead (pool size 1) no worker is asked either.
  Fixture single;
  Worker same(single.socket());
  auto one = parse_ok({"--file-prefix", "file://localhost" + single.root.path() + "/call-store", "--compression", "lz4",
                       "wal-push", "--pool-size", "1", single.wal_dir + "/" + kSeg});
  EXPECT_EQ(run_command(one, single.env), 0);
  EXPECT_FALSE(same.holds(kSeg));
  EXPECT_GE(files_under(single.call_store), 1u);
}

// A worker that stopped accepting (frozen) with its backlog full of earlier
// callers' connections: the call gets no answer within its timeout and
// archives the file itself, instead of hanging in connect() for as long as
// the worker stays frozen (PostgreSQL's archiver with it).
TEST(WalPushClient, AListenerThatAcceptsNothingIsNoAnswerWithinTheTimeout) {
  test::TempDir dir;
  std::string sock = dir.path() + "/frozen.sock";
  test::FullBacklogListener frozen(sock);  // checks that the backlog is full (else the test shows nothing)

  auto asked = std::async(std::launch::async,
                          [&] { return server::WalPushClient::ask(sock, "/x", std::chrono::milliseconds(200)); });
  bool answered_in_time = asked.wait_for(std::chrono::seconds(5)) == std::future_status::ready;
  frozen.close_listener();  // wakes a connect() still waiting, so that the test ends either way
  EXPECT_TRUE(answered_in_time) << "ask() waited in connect() for a listener that accepts nothing";
  EXPECT_FALSE(asked.get());
}

TEST(WalPushClient, NoSocketOrTooLongAPathIsNoAnswer) {
  test::TempDir dir;
  EXPECT_FALSE(server::WalPushClient::ask(dir.path() + "/none.sock", "/x", std::chrono::seconds(1)));
  EXPECT_FALSE(server::WalPushClient::ask(dir.path() + "/" + std::string(200, 'x'), "/x", std::chrono::seconds(1)));
}

}  // namespace
}  // namespace wale::app
