#include "config/environment.h"

#include <dirent.h>
#include <sys/stat.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "core/error.h"

extern char** environ;

namespace wale::config {

Environment Environment::from_process() {
  std::map<std::string, std::string, std::less<>> vars;
  for (char** e = environ; e && *e; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    if (eq == std::string::npos) continue;
    vars[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return Environment(std::move(vars));
}

std::map<std::string, std::optional<std::string>> Environment::apply_envdir(const std::string& dir) {
  std::map<std::string, std::optional<std::string>> changes;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    throw Error(ErrorCode::Config, "could not read envdir \"" + dir + "\"", {},
                "Point --envdir (or WALE_ENVDIR) at a directory holding one file per variable.");
  }
  std::unique_ptr<DIR, int (*)(DIR*)> guard(d, ::closedir);
  while (struct dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name.empty() || name[0] == '.' || name.find('=') != std::string::npos) continue;
    std::string path = dir + "/" + name;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (st.st_size == 0) {
      vars_.erase(name);
      changes[name] = std::nullopt;
      continue;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(ErrorCode::Config, "could not read envdir file \"" + path + "\"");
    std::string value;
    std::getline(in, value);
    for (auto& c : value) {
      if (c == '\0') c = '\n';
    }
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
    vars_[name] = value;
    changes[name] = value;
  }
  envdir_ = dir;
  envdir_values_ = changes;
  return changes;
}

std::optional<std::string> Environment::envdir_changed() const {
  if (envdir_.empty()) return std::nullopt;
  std::string why;
  try {
    auto now = Environment().apply_envdir(envdir_);
    if (now == envdir_values_) return std::nullopt;
    for (const auto& [name, value] : now) {
      auto was = envdir_values_.find(name);
      if (was == envdir_values_.end() || was->second != value) {
        why = name + " was added or rewritten";
        break;
      }
    }
    if (why.empty()) why = "a variable was removed";
  } catch (const Error& e) {
    why = e.message();
  }
  return "the envdir " + envdir_ + " changed since this server started (" + why + "); it restarts to read it";
}

std::optional<std::string> Environment::get(std::string_view name) const {
  auto it = vars_.find(name);
  if (it == vars_.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

}  // namespace wale::config
