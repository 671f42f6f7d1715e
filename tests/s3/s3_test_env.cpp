#include "s3_test_env.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <stdexcept>

namespace wale::test {

const S3TestEnv& s3_env() {
  static const S3TestEnv env = [] {
    const char* path = std::getenv("WALE_S3_TEST_ENV");
    if (path == nullptr || *path == '\0') {
      throw std::runtime_error(
          "WALE_S3_TEST_ENV is not set: run these tests with ctest (its fixture starts radosgw), or start "
          "one with scripts/s3/start-radosgw.sh DIR and set WALE_S3_TEST_ENV=DIR/env");
    }
    std::ifstream in(path);
    if (!in) throw std::runtime_error(std::string("cannot read ") + path + ": did the radosgw fixture start?");
    std::map<std::string, std::string> kv;
    std::string line;
    while (std::getline(in, line)) {
      auto eq = line.find('=');
      if (eq == std::string::npos) continue;
      std::string v = line.substr(eq + 1);
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      kv[line.substr(0, eq)] = v;
    }
    S3TestEnv e;
    e.endpoint = kv["ENDPOINT"];
    e.vhost_endpoint = kv["VHOST_ENDPOINT"];
    e.tls_endpoint = kv["TLS_ENDPOINT"];
    e.ca_bundle = kv["CA_BUNDLE"];
    e.other_ca_bundle = kv["OTHER_CA_BUNDLE"];
    e.access_key = kv["ACCESS_KEY"];
    e.secret_key = kv["SECRET_KEY"];
    e.bucket = kv["BUCKET"];
    if (e.endpoint.empty()) throw std::runtime_error(std::string(path) + " has no ENDPOINT");
    e.port = store::s3::parse_s3_endpoint(e.endpoint).port;
    return e;
  }();
  return env;
}

store::s3::S3Config radosgw_config(const std::string& name) {
  static std::atomic<int> counter{0};
  const S3TestEnv& e = s3_env();
  store::s3::S3Config c;
  c.bucket = e.bucket;
  c.prefix = "t/" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" + name + "/";
  c.endpoint = store::s3::parse_s3_endpoint(e.endpoint);
  c.region = "us-east-1";
  c.access_key_id = e.access_key;
  c.secret_access_key = e.secret_key;
  c.retries = 5;
  c.retry_base_delay = std::chrono::milliseconds(20);
  c.retry_max_delay = std::chrono::milliseconds(200);
  c.connect_timeout = std::chrono::seconds(3);
  c.low_speed_timeout = std::chrono::seconds(3);
  c.part_size = store::s3::kMinPartSize;
  c.parts_in_flight = 3;
  return c;
}

std::string random_data(std::size_t n, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t v = rng();
    std::memcpy(&s[i], &v, 8);
  }
  for (; i < n; ++i) s[i] = static_cast<char>(rng());
  return s;
}

}  // namespace wale::test
