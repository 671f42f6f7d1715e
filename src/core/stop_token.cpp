#include "core/stop_token.h"

#include <csignal>
#include <thread>

namespace wale {
namespace {
constinit StopToken g_process_token;
}  // namespace

StopToken& process_stop_token() noexcept { return g_process_token; }

std::string signal_name(int signo) {
  switch (signo) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP";
    case SIGQUIT: return "SIGQUIT";
    default: return "signal " + std::to_string(signo);
  }
}

Error StopToken::error() const {
  int s = signal();
  return Error(ErrorCode::Cancelled, s > 0 ? "interrupted by " + signal_name(s) : std::string("interrupted"));
}

void StopToken::sleep_for(std::chrono::nanoseconds d) const {
  constexpr auto kStep = std::chrono::milliseconds(20);
  auto deadline = std::chrono::steady_clock::now() + d;
  for (;;) {
    throw_if_requested();
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return;
    std::this_thread::sleep_for(std::min<std::chrono::nanoseconds>(deadline - now, kStep));
  }
}

}  // namespace wale
