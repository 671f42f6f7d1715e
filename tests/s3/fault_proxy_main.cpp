// wale_s3_fault_proxy: FaultProxy as a standalone program, for end-to-end tests
// that run wal-e itself against radosgw through injected faults.
//
//   wale_s3_fault_proxy --upstream 127.0.0.1:4647 [--listen PORT] [--stall-ms N]
//                       [--faults METHOD=f1,f2,...[/THEN]]...
//
// METHOD is GET, PUT, POST, HEAD, DELETE or "*" (any other). Faults: none 500 503
// reset-request reset cut stall stall-before corrupt-request corrupt-reply. THEN
// applies after the list is used up (default none), e.g. "--faults PUT=503,503,reset-request"
// or "--faults '*=/503'" for a persistent outage. Prints "PORT <n>" once listening,
// runs until SIGTERM/SIGINT, then prints "REQUESTS <n> FAULTS <m>".
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "fault_proxy.h"

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    std::size_t p = s.find(sep, start);
    out.push_back(s.substr(start, p - start));
    if (p == std::string::npos) return out;
    start = p + 1;
  }
}

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr, "wale_s3_fault_proxy: %s\n", why);
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  std::string upstream;
  int listen_port = 0;
  int stall_ms = 30000;
  std::vector<std::string> fault_specs;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) usage("every option takes a value");
    std::string v = argv[++i];
    if (a == "--upstream") upstream = v;
    else if (a == "--listen") listen_port = std::atoi(v.c_str());
    else if (a == "--stall-ms") stall_ms = std::atoi(v.c_str());
    else if (a == "--faults") fault_specs.push_back(v);
    else usage("unknown option");
  }
  auto colon = upstream.rfind(':');
  if (colon == std::string::npos) usage("--upstream HOST:PORT is required");
  try {
    wale::test::FaultProxy proxy(upstream.substr(0, colon),
                                 static_cast<std::uint16_t>(std::atoi(upstream.c_str() + colon + 1)),
                                 std::chrono::milliseconds(stall_ms), static_cast<std::uint16_t>(listen_port));
    for (const auto& spec : fault_specs) {
      auto eq = spec.find('=');
      if (eq == std::string::npos) usage("--faults METHOD=f1,f2[/THEN]");
      std::string method = spec.substr(0, eq);
      if (method == "*") method.clear();
      std::string rest = spec.substr(eq + 1);
      std::string then = "none";
      if (auto slash = rest.find('/'); slash != std::string::npos) {
        then = rest.substr(slash + 1);
        rest = rest.substr(0, slash);
      }
      std::vector<wale::test::Fault> faults;
      if (!rest.empty()) {
        for (const auto& f : split(rest, ',')) faults.push_back(wale::test::FaultProxy::parse_fault(f));
      }
      proxy.script(faults, wale::test::FaultProxy::parse_fault(then), method);
    }
    std::signal(SIGTERM, on_signal);
    std::signal(SIGINT, on_signal);
    std::printf("PORT %u\n", proxy.port());
    std::fflush(stdout);
    while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::printf("REQUESTS %d FAULTS %d\n", proxy.requests(), proxy.faults_injected());
  } catch (const std::exception& e) {
    usage(e.what());
  }
  return 0;
}
