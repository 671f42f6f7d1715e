// Fuzzes SafeExtractor on arbitrary tar streams: it may only throw
// wale::Error, and it never writes outside its target: after every input the
// scratch directory holds nothing but the target and the tablespace
// directory (a member escaping through "..", an absolute path or a symlink
// would leave something beside them). The target is emptied between inputs.
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "core/error.h"
#include "fuzz_support.h"
#include "io/file_streams.h"
#include "io/memory_streams.h"
#include "tar/safe_extractor.h"
#include "tar/tar_reader.h"

namespace {

int remove_entry(const char* path, const struct stat*, int type, struct FTW*) {
  if (type == FTW_DP) return ::rmdir(path) == 0 || errno == ENOENT ? 0 : -1;
  return ::unlink(path) == 0 || errno == ENOENT ? 0 : -1;
}

int make_writable(const char* path, const struct stat* st, int type, struct FTW*) {
  if (type == FTW_D || type == FTW_DNR) ::chmod(path, (st->st_mode & 07777) | 0700);
  return 0;
}

struct Scratch {
  std::string dir, root, tablespace;
  Scratch() {
    char tmpl[] = "/tmp/wale-fuzz-extract.XXXXXX";
    WALE_FUZZ_CHECK(::mkdtemp(tmpl) != nullptr);
    dir = tmpl;
    root = dir + "/root";
    tablespace = dir + "/ts";
  }
  ~Scratch() { ::nftw(dir.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS); }
  void reset() {
    ::nftw(dir.c_str(), make_writable, 16, FTW_PHYS);
    ::nftw(root.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    ::nftw(tablespace.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    WALE_FUZZ_CHECK(::mkdir(root.c_str(), 0700) == 0);
    WALE_FUZZ_CHECK(::mkdir(tablespace.c_str(), 0700) == 0);
  }
  // Names in the scratch directory other than root and ts.
  bool only_targets() const {
    std::size_t n = 0;
    for (const auto& name : wale::io::directory_names(dir)) {
      if (name != "root" && name != "ts") return false;
      ++n;
    }
    return n == 2;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Scratch scratch;
  scratch.reset();
  auto input = wale::fuzz::bytes(data, size);
  wale::io::MemorySource source(std::vector<std::byte>(input.begin(), input.end()));
  try {
    wale::tar::SafeExtractor extractor(scratch.root, {{"pg_tblspc/16389", scratch.tablespace}});
    wale::tar::TarReader reader(source);
    extractor.extract(reader);
    extractor.finish(false);
  } catch (const wale::Error&) {
  }
  WALE_FUZZ_CHECK(scratch.only_targets());
  return 0;
}
