#include "backup/progress.h"

#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

namespace wale::backup {

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

Progress::Progress(std::string label, std::uint64_t total_bytes, bool show)
    : label_(std::move(label)), total_(total_bytes), start_(std::chrono::steady_clock::now()), show_(show) {
  if (show_) thread_ = std::thread([this] { run(); });
}

Progress::~Progress() {
  if (thread_.joinable()) {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
    std::string final_line = "\r" + line() + "\n";
    std::fputs(final_line.c_str(), stderr);
  }
}

double Progress::seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

std::string Progress::human(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (bytes >= 1024 && u < 4) {
    bytes /= 1024;
    ++u;
  }
  return fmt::format("{:.1f} {}", bytes, units[u]);
}

std::string Progress::line() const {
  double done = static_cast<double>(done_.load());
  double secs = seconds();
  double rate = secs > 0 ? done / secs : 0;
  std::string out = label_ + ": " + human(done);
  if (total_ > 0) {
    out +=
        fmt::format(" / {} ({:.0f}%)", human(static_cast<double>(total_)), 100.0 * done / static_cast<double>(total_));
  }
  out += " at " + human(rate) + "/s";
  if (total_ > 0 && rate > 0 && done < static_cast<double>(total_)) {
    out += fmt::format(", ETA {:.0f} s", (static_cast<double>(total_) - done) / rate);
  }
  return out;
}

void Progress::run() {
  std::unique_lock lock(mu_);
  while (!cv_.wait_for(lock, std::chrono::milliseconds(500), [&] { return stop_; })) {
    std::string l = "\r" + line() + "\x1b[K";
    std::fputs(l.c_str(), stderr);
    std::fflush(stderr);
  }
}

}  // namespace wale::backup
