#include "app/spawn.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace wale::app {

bool spawn_detached_self(const HelperCall& call) {
  std::vector<std::string> argv_s{"wal-e"};
  argv_s.insert(argv_s.end(), call.args.begin(), call.args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  // Built before fork: the child only calls async-signal-safe functions.
  std::vector<std::string> env_s;
  for (const auto& [name, value] : call.environment) env_s.push_back(name + "=" + value);
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);

  // Exec the binary by its real path, so that ps and top show "wal-e".
  char self[4096];
  ssize_t len = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (len <= 0) return false;
  self[len] = '\0';

  const int nice_increment = call.nice_increment;

  pid_t child = ::fork();
  if (child < 0) return false;
  if (child == 0) {
    ::setsid();
    pid_t grandchild = ::fork();
    if (grandchild != 0) ::_exit(grandchild < 0 ? 1 : 0);
    int devnull = ::open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      ::dup2(devnull, 0);
      ::dup2(devnull, 1);
      ::dup2(devnull, 2);
      if (devnull > 2) ::close(devnull);
    }
    // Best effort: a helper at the parent's priority still works.
    if (nice_increment > 0) [[maybe_unused]]
      int ignored = ::nice(nice_increment);
    ::execve(self, argv.data(), envp.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace wale::app
