// Fuzzes settings resolution and S3 prefix/endpoint parsing
// (config/settings.h, store/s3/s3_config.h). Input lines: the first three are
// a prefix URL, an endpoint URI and a region; the rest are NAME=value
// environment entries. Everything may only throw wale::Error.
#include <map>
#include <string>

#include "config/environment.h"
#include "config/settings.h"
#include "core/error.h"
#include "fuzz_support.h"
#include "store/s3/s3_config.h"

namespace s3 = wale::store::s3;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto lines = wale::fuzz::lines(wale::fuzz::text(data, size));
  auto line = [&](std::size_t i) { return i < lines.size() ? lines[i] : std::string_view(); };

  std::map<std::string, std::string, std::less<>> vars;
  for (std::size_t i = 3; i < lines.size(); ++i) {
    auto eq = lines[i].find('=');
    if (eq != std::string_view::npos) vars[std::string(lines[i].substr(0, eq))] = std::string(lines[i].substr(eq + 1));
  }
  wale::config::OptionValues flags;
  flags.set(wale::config::Opt::S3Prefix, std::string(line(0)));
  try {
    auto settings = wale::config::resolve_settings(flags, wale::config::Environment(vars));
    WALE_FUZZ_CHECK(settings.retries >= 1);
    WALE_FUZZ_CHECK(settings.partition_size >= 1);
  } catch (const wale::Error&) {
  }

  try {
    auto location = s3::parse_s3_prefix(line(0));
    WALE_FUZZ_CHECK(location.prefix.empty() || location.prefix.back() == '/');
    auto resolved = s3::resolve_endpoint(line(2), line(1), location.bucket);
    s3::S3Config config;
    config.bucket = location.bucket;
    config.prefix = location.prefix;
    config.region = resolved.region;
    config.endpoint = resolved.endpoint;
    config.access_key_id = "AKIAFUZZ";
    config.secret_access_key = "secret";
    s3::validate(config);
  } catch (const wale::Error&) {
  }
  try {
    s3::parse_s3_endpoint(line(1));
  } catch (const wale::Error&) {
  }
  s3::part_size_for(static_cast<std::uint64_t>(size) << 20, static_cast<int>(lines.size()));
  return 0;
}
