// GpgHome: a throwaway GnuPG home for one test. Sets GNUPGHOME (restored on
// destruction), imports the WAL-E fixture's passphrase-less secret key, and
// kills the gpg-agent it started when done, waiting (up to 5 s) until the
// agent has removed its socket, so that it writes nothing into the directory
// after its removal. Not thread-safe (environment).
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include "test_support/temp_dir.h"

namespace wale::test {

class GpgHome {
 public:
  // The fixture key's id (WAL-E pushed the sample with WALE_GPG_KEY_ID=<this>).
  static constexpr const char* kKeyId = "11E48F6B0B31D951";

  explicit GpgHome(bool import_key = true) {
    if (const char* old = std::getenv("GNUPGHOME")) old_ = old;
    ::setenv("GNUPGHOME", dir_.path().c_str(), 1);
    if (import_key) {
      std::string cmd = "gpg --batch --quiet --import '" + std::string(WALE_TESTDATA_DIR) +
                        "/wal-e-archive/gpg-sample/test-secret-key.asc' 2>/dev/null";
      if (std::system(cmd.c_str()) != 0) throw std::runtime_error("gpg --import of the fixture key failed");
    }
  }
  ~GpgHome() {
    (void)std::system("gpgconf --kill gpg-agent >/dev/null 2>&1");
    // gpgconf only asks the agent to exit; it removes its socket last.
    const std::string socket = dir_.path() + "/S.gpg-agent";
    for (int i = 0; i < 250 && ::access(socket.c_str(), F_OK) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (old_) ::setenv("GNUPGHOME", old_->c_str(), 1);
    else ::unsetenv("GNUPGHOME");
  }
  GpgHome(const GpgHome&) = delete;
  GpgHome& operator=(const GpgHome&) = delete;
  const std::string& path() const { return dir_.path(); }

 private:
  TempDir dir_;
  std::optional<std::string> old_;
};

}  // namespace wale::test
