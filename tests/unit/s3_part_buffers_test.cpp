// S3Client's shared multipart budget: recycled part buffers and upload slots
// (no server needed: neither makes a request).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "core/error.h"
#include "store/s3/s3_client.h"

namespace wale::store::s3 {
namespace {

using namespace std::chrono_literals;

S3Config offline_config(int parts_in_flight) {
  S3Config c;
  c.bucket = "wal";
  c.endpoint = parse_s3_endpoint("http+path://127.0.0.1:9");
  c.region = "us-east-1";
  c.access_key_id = "AKID";
  c.secret_access_key = "secret";
  c.parts_in_flight = parts_in_flight;
  return c;
}

TEST(S3PartBuffers, AReturnedBufferIsReusedEmpty) {
  S3Client client(offline_config(4));
  auto a = client.take_part_buffer(1u << 20);
  EXPECT_GE(a.capacity(), 1u << 20);
  a.resize(1000);
  const std::byte* where = a.data();
  client.give_part_buffer(std::move(a));
  auto b = client.take_part_buffer(1u << 20);
  EXPECT_EQ(b.data(), where);
  EXPECT_TRUE(b.empty());
}

TEST(S3PartBuffers, TooSmallIdleBuffersAreFreedNotKept) {
  S3Client client(offline_config(4));
  std::vector<std::byte> small;
  small.reserve(1024);
  client.give_part_buffer(std::move(small));
  auto big = client.take_part_buffer(1u << 20);  // the small one cannot serve: it is dropped
  client.give_part_buffer(std::move(big));
  EXPECT_GE(client.take_part_buffer(1024).capacity(), 1u << 20) << "a too-small buffer stayed in the pool";
}

TEST(S3PartBuffers, UploadSlotsAreSharedAndCancellable) {
  S3Client client(offline_config(2));
  auto s1 = client.acquire_upload_slot(nullptr);
  auto s2 = client.acquire_upload_slot(nullptr);
  std::atomic<bool> got{false};
  std::thread waiter([&] {
    auto s3 = client.acquire_upload_slot(nullptr);
    got = true;
  });
  std::this_thread::sleep_for(150ms);
  EXPECT_FALSE(got.load()) << "a third upload started with two slots";
  s1.release();
  waiter.join();
  EXPECT_TRUE(got.load());
  std::atomic<bool> cancel{true};
  auto s4 = client.acquire_upload_slot(nullptr);  // both slots taken again (s2, s4)
  try {
    client.acquire_upload_slot(&cancel);
    ADD_FAILURE() << "no error for a cancelled wait";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Cancelled);
  }
}

}  // namespace
}  // namespace wale::store::s3
