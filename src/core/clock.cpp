#include "core/clock.h"

#include "core/stop_token.h"

namespace wale {
namespace {
class SystemClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::time_point_cast<Duration>(std::chrono::steady_clock::now()); }
  void sleep_for(Duration d) override { process_stop_token().sleep_for(d); }
  std::chrono::system_clock::time_point wall_now() const override { return std::chrono::system_clock::now(); }
};
}  // namespace

std::shared_ptr<Clock> system_clock() {
  static auto clock = std::make_shared<SystemClock>();
  return clock;
}

}  // namespace wale
