#include "app/plugin.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <mutex>

#include "core/error.h"

namespace wale::app {

namespace {

std::string self_directory() {
  char self[4096];
  ssize_t len = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (len <= 0) {
    throw_errno("could not find the wal-e binary's directory to load its plugins", "/proc/self/exe", errno);
  }
  std::string path(self, static_cast<std::size_t>(len));
  return path.substr(0, path.rfind('/'));
}

// Loaded plugins by file name. dlopen handles are kept until exit.
std::mutex g_mutex;
std::map<std::string, void*> g_loaded;

Error plugin_error(const std::string& file, const std::string& why) {
  return Error(ErrorCode::Unsupported, "could not load wal-e's plugin " + file, why,
               "The plugins are installed with wal-e; reinstall the package or rebuild the tree.");
}

}  // namespace

std::string plugin_directory() { return self_directory() + "/" + WALE_PLUGIN_RELDIR; }

const void* load_plugin(const std::string& name, const char* symbol) {
  std::lock_guard lock(g_mutex);
  std::string file = plugin_directory() + "/libwale-" + name + ".so";
  void*& handle = g_loaded[file];
  if (handle == nullptr) {
    // RTLD_NOW: a missing library or symbol is found here, not mid-backup.
    handle = ::dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      const char* why = ::dlerror();
      g_loaded.erase(file);
      throw plugin_error(file, why != nullptr ? why : "dlopen failed");
    }
  }
  ::dlerror();
  void* address = ::dlsym(handle, symbol);
  if (address == nullptr) throw plugin_error(file, std::string("it has no symbol ") + symbol);
  // Every plugin object starts with its ABI string (app/plugin.h).
  const char* abi = *static_cast<const char* const*>(address);
  if (abi == nullptr || std::strcmp(abi, kPluginAbi) != 0) {
    throw plugin_error(file, std::string("it is of wal-e ") + (abi != nullptr ? abi : "?") + ", not of wal-e " +
                                 kPluginAbi + " (this binary)");
  }
  return address;
}

}  // namespace wale::app
