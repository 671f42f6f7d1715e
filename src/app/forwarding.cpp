#include "app/forwarding.h"

namespace wale::app {

using config::Opt;
using config::OptType;

HelperCall helper_call(const Invocation& parent, const config::Environment& env,
                       const std::vector<std::string>& command_args) {
  HelperCall call;
  call.environment.insert(env.vars().begin(), env.vars().end());
  for (auto name : config::spec(Opt::Envdir).env) {
    if (!name.empty()) call.environment.erase(std::string(name));
  }
  // Helpers run detached: nobody reads their informational output.
  call.args.push_back("--" + std::string(config::spec(Opt::Terse).flag));
  for (const auto& s : config::options()) {
    if (!config::is_global(s) || s.id == Opt::Envdir || s.id == Opt::Terse) continue;
    const auto& value = parent.global.given(s.id);
    if (!value) continue;
    if (s.secret || s.flag.empty()) {
      call.environment[std::string(s.env[0])] = *value;
    } else if (s.type == OptType::Switch) {
      call.args.push_back("--" + std::string(s.flag));
    } else {
      // One argument, so that a value starting with "-" cannot be read as an option.
      call.args.push_back("--" + std::string(s.flag) + "=" + *value);
    }
  }
  call.args.insert(call.args.end(), command_args.begin(), command_args.end());
  return call;
}

namespace {
std::string flag(Opt o, const std::string& value) { return "--" + std::string(config::spec(o).flag) + "=" + value; }
}  // namespace

std::vector<std::string> helper_args(const WalPushAheadOptions& o) {
  std::vector<std::string> a{std::string(config::spec(config::Command::WalPushAhead).name),
                             flag(Opt::PoolSize, std::to_string(o.pool_size)), "--", o.wal_directory};
  a.insert(a.end(), o.segments.begin(), o.segments.end());
  return a;
}

std::vector<std::string> helper_args(const WalPrefetchOptions& o) {
  std::vector<std::string> a{std::string(config::spec(config::Command::WalPrefetch).name), "--", o.base_directory};
  a.insert(a.end(), o.segments.begin(), o.segments.end());
  return a;
}

}  // namespace wale::app
