// The radosgw the CTest fixture started (scripts/s3/start-radosgw.sh): read
// from the file named by $WALE_S3_TEST_ENV (KEY=VALUE lines). A missing file
// fails the test with instructions: the fixture installs and starts radosgw,
// so nothing here is ever skipped.
#pragma once

#include <cstdint>
#include <string>

#include "store/s3/s3_config.h"

namespace wale::test {

struct S3TestEnv {
  std::string endpoint;        // http+path://127.0.0.1:PORT
  std::string vhost_endpoint;  // http+virtualhost://localhost:PORT
  std::string tls_endpoint;    // https+path://127.0.0.1:PORT
  std::string ca_bundle;
  std::string other_ca_bundle;
  std::string access_key;
  std::string secret_key;
  std::string bucket;
  std::uint16_t port = 0;  // of `endpoint`
};

// Loads once; throws std::runtime_error with a how-to if unavailable.
const S3TestEnv& s3_env();

// A config for the radosgw bucket under a fresh, unique key prefix
// ("t/<pid>-<n>-<name>/"), with fast retries suitable for tests.
store::s3::S3Config radosgw_config(const std::string& name);

std::string random_data(std::size_t n, unsigned seed);

}  // namespace wale::test
