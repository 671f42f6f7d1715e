// Parsing of the S3 XML replies the driver reads.
#include <gtest/gtest.h>

#include "core/error.h"
#include "store/s3/s3_xml.h"

namespace wale::store::s3 {
namespace {

TEST(S3Xml, ErrorDocument) {
  auto e = parse_error(R"(<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match</Message><RequestId>1</RequestId></Error>)");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->code, "SignatureDoesNotMatch");
  EXPECT_NE(e->message.find("signature"), std::string::npos);
  auto rgw = parse_error("<Error><Code>NoSuchBucket</Code><Message></Message><BucketName>x</BucketName></Error>");
  ASSERT_TRUE(rgw.has_value());
  EXPECT_EQ(rgw->code, "NoSuchBucket");
  EXPECT_EQ(rgw->message, "");
  EXPECT_FALSE(parse_error("").has_value());
  EXPECT_FALSE(parse_error("<html><body>502 Bad Gateway</body></html>").has_value());
  EXPECT_FALSE(parse_error("<Error><Code>trunc").has_value());
}

TEST(S3Xml, ListObjectsV2PageWithNamespaceAndEscapes) {
  auto page = parse_list_objects_v2(R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>wal</Name><Prefix>p/</Prefix><KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys>
  <IsTruncated>true</IsTruncated>
  <Contents><Key>p/a&amp;b</Key><LastModified>2024-01-02T03:04:05.678Z</LastModified>
    <ETag>&quot;ABCdef&quot;</ETag><Size>12</Size><StorageClass>STANDARD</StorageClass></Contents>
  <Contents><Key>p/&#xFC;</Key><LastModified>2024-01-02T03:04:06Z</LastModified><Size>0</Size></Contents>
  <NextContinuationToken>1Ab+cd/ef=</NextContinuationToken>
</ListBucketResult>)");
  ASSERT_EQ(page.entries.size(), 2u);
  EXPECT_EQ(page.entries[0].key, "p/a&b");
  EXPECT_EQ(page.entries[0].size, 12u);
  EXPECT_EQ(page.entries[1].key, "p/\xc3\xbc");
  EXPECT_EQ(page.entries[0].etag, "abcdef");  // quotes off, lower case: compared with an MD5's hex
  EXPECT_EQ(page.entries[1].etag, "");
  EXPECT_TRUE(page.truncated);
  EXPECT_EQ(page.next_continuation_token, "1Ab+cd/ef=");
  auto t = page.entries[0].modified;
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count(), 1704164645678);
}

TEST(S3Xml, ListObjectsV2LastPageAndErrors) {
  auto page = parse_list_objects_v2("<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>");
  EXPECT_TRUE(page.entries.empty());
  EXPECT_FALSE(page.truncated);
  EXPECT_THROW(parse_list_objects_v2("<ListBucketResult><Contents><Key>a</Key>"), Error);
  EXPECT_THROW(parse_list_objects_v2("<Error><Code>x</Code></Error>"), Error);
  EXPECT_THROW(parse_list_objects_v2("<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>"), Error);
  EXPECT_THROW(parse_list_objects_v2("<ListBucketResult><Contents><Key>a</Key><Size>-1</Size>"
                                     "<LastModified>2024-01-02T03:04:06Z</LastModified></Contents></ListBucketResult>"),
               Error);
  try {
    parse_list_objects_v2("<ListBucketResult>");
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Transient);  // a reply cut short is retried
  }
}

TEST(S3Xml, MultipartReplies) {
  EXPECT_EQ(parse_initiate_multipart("<InitiateMultipartUploadResult xmlns=\"x\"><Bucket>b</Bucket><Key>k</Key>"
                                     "<UploadId>2~abc.def</UploadId></InitiateMultipartUploadResult>"),
            "2~abc.def");
  EXPECT_THROW(parse_initiate_multipart("<InitiateMultipartUploadResult/>"), Error);
  EXPECT_FALSE(parse_complete_multipart(
                   "<CompleteMultipartUploadResult><Location>l</Location><ETag></ETag></CompleteMultipartUploadResult>")
                   .has_value());
  auto err = parse_complete_multipart("<Error><Code>InternalError</Code><Message>try again</Message></Error>");
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->code, "InternalError");
}

TEST(S3Xml, ListMultipartUploads) {
  auto page = parse_list_multipart_uploads(
      "<ListMultipartUploadsResult xmlns=\"x\"><Bucket>b</Bucket><IsTruncated>true</IsTruncated>"
      "<NextKeyMarker>p/b</NextKeyMarker><NextUploadIdMarker>2~u2</NextUploadIdMarker>"
      "<Upload><Key>p/a</Key><UploadId>2~u1</UploadId><Initiated>2026-11-01T10:00:00.000Z</Initiated></Upload>"
      "<Upload><Key>p/b</Key><UploadId>2~u2</UploadId><Initiated>2026-11-02T10:00:00.000Z</Initiated></Upload>"
      "</ListMultipartUploadsResult>");
  ASSERT_EQ(page.uploads.size(), 2u);
  EXPECT_EQ(page.uploads[0].key, "p/a");
  EXPECT_EQ(page.uploads[1].upload_id, "2~u2");
  EXPECT_LT(page.uploads[0].initiated, page.uploads[1].initiated);
  EXPECT_TRUE(page.truncated);
  EXPECT_EQ(page.next_key_marker, "p/b");
  EXPECT_EQ(page.next_upload_id_marker, "2~u2");
  EXPECT_TRUE(parse_list_multipart_uploads("<ListMultipartUploadsResult/>").uploads.empty());
  EXPECT_THROW(parse_list_multipart_uploads("<ListMultipartUploadsResult><Upload><Key>k</Key></Upload>"
                                            "</ListMultipartUploadsResult>"),
               Error);
  EXPECT_THROW(parse_list_multipart_uploads("<ListMultipartUploadsResult><IsTruncated>true</IsTruncated>"
                                            "</ListMultipartUploadsResult>"),
               Error);
}

TEST(S3Xml, DeleteResult) {
  auto r = parse_delete_result(
      "<DeleteResult><Deleted><Key>a</Key></Deleted><Error><Key>b</Key><Code>AccessDenied</Code>"
      "<Message>no</Message></Error></DeleteResult>");
  EXPECT_EQ(r.deleted, std::vector<std::string>{"a"});
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].key, "b");
  EXPECT_EQ(r.errors[0].code, "AccessDenied");
  EXPECT_TRUE(parse_delete_result("<DeleteResult/>").errors.empty());
}

TEST(S3Xml, EscapeAndDates) {
  EXPECT_EQ(xml_escape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&apos;");
  EXPECT_FALSE(parse_iso8601("yesterday").has_value());
  EXPECT_FALSE(parse_iso8601("2024-01-02 03:04:05Z").has_value());
  EXPECT_TRUE(parse_iso8601("2024-01-02T03:04:05Z").has_value());
}

TEST(S3Xml, Iso8601IsStrict) {
  using namespace std::chrono;
  auto base = parse_iso8601("2024-01-02T03:04:05Z");
  ASSERT_TRUE(base);
  EXPECT_EQ(*parse_iso8601("2024-01-02T03:04:05.5Z") - *base, milliseconds(500));
  EXPECT_EQ(*parse_iso8601("2024-01-02T03:04:05.123456Z") - *base, milliseconds(123));
  // Found by fuzz_s3_xml: year 0902 overflowed the nanosecond conversion (UBSan: signed overflow).
  EXPECT_FALSE(parse_iso8601("0902-10-12T17:50:30.00z0Z"));
  EXPECT_FALSE(parse_iso8601("0902-10-12T17:50:30Z"));
  EXPECT_FALSE(parse_iso8601("9999-10-12T17:50:30Z"));
  EXPECT_FALSE(parse_iso8601("-001-10-12T17:50:30Z"));
  EXPECT_FALSE(parse_iso8601("2024-13-02T03:04:05Z"));
  EXPECT_FALSE(parse_iso8601("2024-02-31T03:04:05Z"));
  EXPECT_FALSE(parse_iso8601("2024-01-02T24:04:05Z"));
  EXPECT_FALSE(parse_iso8601("2024-01-02T03:04:05.Z"));
  EXPECT_FALSE(parse_iso8601("2024-01-02T03:04:05.1xZ"));
  EXPECT_FALSE(parse_iso8601("2024-01-02T03:04:+5Z"));
}

}  // namespace
}  // namespace wale::store::s3
