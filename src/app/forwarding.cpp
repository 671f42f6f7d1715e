#include "app/forwarding.h"

#include "io/hashing_source.h"
#include "io/memory_streams.h"

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

std::string settings_fingerprint(const Invocation& parent, const config::Environment& env) {
  HelperCall call = helper_call(parent, env, {});
  std::string text(version());
  text += '\0';
  for (const auto& a : call.args) text += a + '\0';
  auto relevant = [](const std::string& name) {
    if (name.rfind("AWS_", 0) == 0 || name.rfind("WALE_", 0) == 0 || name == "GNUPGHOME" || name == "HOME") return true;
    for (const auto& s : config::options()) {
      for (auto v : s.env) {
        if (!v.empty() && v == name) return true;
      }
    }
    return false;
  };
  for (const auto& [name, value] : call.environment) {  // std::map: sorted, so the order is fixed
    if (relevant(name)) text += name + '=' + value + '\0';
  }
  io::StringViewSource source(text);
  return io::hash_all(source).substr(0, 16);
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
