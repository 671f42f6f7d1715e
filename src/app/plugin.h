// Plugins: the parts of wal-e that need heavy shared libraries, built as
// shared objects of their own and loaded with dlopen only by the subcommands
// that use them, so that wal-push and wal-fetch on a local directory (and
// `version`) start without mapping libcurl, libpq or libarchive and the ~35
// libraries those pull in (docs/architecture.md, "Plugins"):
//
//   libwale-s3.so      the S3 store (store/s3: libcurl, expat, libssl); make_store, for s3://
//   libwale-backup.so  backup-push/-fetch/-list/-mark/-verify, wal-verify, delete
//                      (backup/, catalog/, tar/: libarchive; pg/connection: libpq)
//
// A plugin is found relative to the running binary (/proc/self/exe), in
// <directory of the binary>/WALE_PLUGIN_RELDIR: CMAKE_INSTALL_LIBDIR/wal-e
// relative to the bin directory (../lib/wal-e; ../lib/<multiarch>/wal-e for the
// prefix /usr); the build tree puts the plugins at the same place relative to
// src/app/wal-e. A plugin resolves
// wal-e's own functions (logging, errors, stores) against the executable,
// which exports them (ENABLE_EXPORTS), so there is one copy of their state.
//
// Each plugin defines one extern "C" object (below) whose `abi` must equal
// kPluginAbi: a plugin of another wal-e version is refused, not called.
// Loaded plugins are never unloaded (objects they made may live until exit).
// Thread-safety: load_plugin may be called from any thread (a mutex guards the
// table of loaded plugins).
#pragma once

#include <memory>
#include <string>

#include "app/cli.h"
#include "app/commands.h"
#include "config/settings.h"
#include "store/object_store.h"

namespace wale::app {

// The version of wal-e (the project's, from CMake): a plugin of another
// version is refused. Plugins and the binary are installed together.
inline constexpr const char* kPluginAbi = WALE_PLUGIN_ABI;

// libwale-s3.so: the S3 ObjectStore that `settings` (backend S3) names.
struct S3Plugin {
  const char* abi;
  std::unique_ptr<store::ObjectStore> (*make_store)(const config::Settings& settings);
};

// libwale-backup.so: runs inv.command (one of the commands it implements).
struct BackupPlugin {
  const char* abi;
  int (*run)(const Invocation& inv, Context& ctx);
};

// The address of the extern "C" object `symbol` in plugin `name`
// ("s3" -> libwale-s3.so), after checking its ABI string. Throws
// Error{Unsupported} naming the file and the loader's reason when the file is
// missing, cannot be loaded, lacks the symbol or is of another build.
const void* load_plugin(const std::string& name, const char* symbol);

template <typename T>
const T& plugin(const std::string& name, const char* symbol) {
  return *static_cast<const T*>(load_plugin(name, symbol));
}

// The directory plugins are loaded from (for error messages and tests).
std::string plugin_directory();

}  // namespace wale::app

// The one object each plugin defines.
extern "C" {
extern const wale::app::S3Plugin wale_s3_plugin;
extern const wale::app::BackupPlugin wale_backup_plugin;
}
