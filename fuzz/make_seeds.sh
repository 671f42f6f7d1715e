#!/usr/bin/env bash
# Regenerates the seed corpora in fuzz/corpus/ (small inputs that reach each
# parser's main paths). Needs lzop, lz4, zstd, GNU tar and python3 (all in
# scripts/install-deps.sh). The committed seeds are this script's output.
set -euo pipefail
cd "$(dirname "$0")"
out=$PWD/corpus
fixture=$PWD/../tests/testdata/wal-e-archive
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rm -rf "$out"
mkdir -p "$out"/{fuzz_lzop,fuzz_lz4,fuzz_zstd,fuzz_lzo1x,fuzz_tar_reader,fuzz_safe_extractor,fuzz_sentinel,fuzz_backup_manifest,fuzz_s3_xml,fuzz_wal_names,fuzz_settings}

# Sample data: text, zeros, and a little of a real WAL segment (its long page header first).
printf 'hello, wal-e\n%.0s' {1..40} >"$work/text"
head -c 3000 /dev/zero >"$work/zeros"
{ lzop -dc "$fixture/wal_005/000000010000000000000002.lzo" || true; } | head -c 2048 >"$work/wal"

# The decompressor targets read 4 chunk-size bytes before the stream.
prefix() { printf '\x10\x01\xff\x03'; cat "$1"; }
i=0
for f in text zeros wal; do
  for opts in "-1" "-9" "--crc32" "--no-checksum" "-F" "--filter=1"; do
    if lzop $opts -c "$work/$f" >"$work/z" 2>/dev/null; then prefix "$work/z" >"$out/fuzz_lzop/$f-$((i++))"; fi
  done
  for opts in "" "-BX" "-BD --content-size" "--no-frame-crc -B64"; do
    lz4 -q $opts -c "$work/$f" >"$work/z"; prefix "$work/z" >"$out/fuzz_lz4/$f-$((i++))"
  done
  for opts in "-1" "-19" "--no-check"; do
    zstd -q $opts -c "$work/$f" >"$work/z"; prefix "$work/z" >"$out/fuzz_zstd/$f-$((i++))"
  done
done
# Two lzop streams back to back, as `cat a.lzo b.lzo` gives.
{ printf '\x10\x01\xff\x03'; lzop -c "$work/text"; lzop -c "$work/zeros"; } >"$out/fuzz_lzop/concatenated"

# Raw LZO1X blocks (2 bytes of output size first), made by liblzo2 itself.
python3 - "$work" "$out/fuzz_lzo1x" <<'EOF'
import ctypes, sys
work, dest = sys.argv[1], sys.argv[2]
lzo = ctypes.CDLL("liblzo2.so.2")
# lzo_init(): __lzo_init_v2 with -1 for every size check (skips them).
assert lzo.__lzo_init_v2(lzo.lzo_version(), *([-1] * 9)) == 0
for name in ("text", "zeros", "wal"):
    src = open(f"{work}/{name}", "rb").read()[:2000]
    dst = ctypes.create_string_buffer(len(src) + len(src) // 16 + 64 + 3)
    n = ctypes.c_size_t(len(dst))
    wrk = ctypes.create_string_buffer(1 << 20)  # LZO1X_999_MEM_COMPRESS is ~448 KiB
    for fn in ("lzo1x_1_compress", "lzo1x_999_compress"):
        assert getattr(lzo, fn)(src, ctypes.c_size_t(len(src)), dst, ctypes.byref(n), wrk) == 0
        open(f"{dest}/{name}-{fn}", "wb").write(len(src).to_bytes(2, "big") + dst.raw[:n.value])
EOF

# Tar streams in each format the reader accepts, plus hostile members for the extractor.
mkdir -p "$work/t/data/base/1" "$work/t/data/pg_tblspc/16389/PG_15"
echo "1" >"$work/t/data/base/1/2"
echo "PG" >"$work/t/data/pg_tblspc/16389/PG_15/f"
ln -s base/1 "$work/t/data/link"
ln "$work/t/data/base/1/2" "$work/t/data/hard"
longname=$(printf 'd%.0s' {1..120})
mkdir -p "$work/t/data/$longname" && echo x >"$work/t/data/$longname/file"
for fmt in gnu ustar pax v7; do
  tar -C "$work/t/data" -b 1 --format=$fmt -cf "$out/fuzz_tar_reader/$fmt.tar" . 2>/dev/null || true
done
python3 - "$work/t/data" "$out" <<'EOF'
import io, sys, tarfile
src, out = sys.argv[1], sys.argv[2]
# Python's tarfile, as WAL-E writes partitions (PAX, fractional mtimes).
with tarfile.open(f"{out}/fuzz_tar_reader/python-pax.tar", "w", format=tarfile.PAX_FORMAT) as t:
    t.add(src, arcname="/", recursive=False)
    t.add(f"{src}/base", arcname="base")
def member(t, name, kind=tarfile.REGTYPE, data=b"x", link=""):
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.size, info.mtime = kind, link, len(data) if kind == tarfile.REGTYPE else 0, 1.5
    t.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)
with tarfile.open(f"{out}/fuzz_safe_extractor/hostile.tar", "w", format=tarfile.PAX_FORMAT) as t:
    member(t, "/", tarfile.DIRTYPE)
    member(t, "base", tarfile.DIRTYPE)
    member(t, "base/f")
    member(t, "pg_tblspc/16389", tarfile.DIRTYPE)
    member(t, "pg_tblspc/16389/PG_15/f")
    member(t, "up", tarfile.SYMTYPE, link="..")
    member(t, "up/escaped")
    member(t, "../escaped")
    member(t, "/abs")
    member(t, "hard", tarfile.LNKTYPE, link="base/f")
EOF
cp "$out"/fuzz_tar_reader/python-pax.tar "$out"/fuzz_tar_reader/gnu.tar "$out/fuzz_safe_extractor/"

# JSON documents.
cp "$fixture"/basebackups_005/*_backup_stop_sentinel.json "$out/fuzz_sentinel/wal-e.json"
cat >"$out/fuzz_sentinel/ours.json" <<'EOF'
{"wal_segment_backup_stop":"000000010000000000000005","wal_segment_offset_backup_stop":"00000296","expanded_size_bytes":1234,"spec":{"base_prefix":"/data/","tablespaces":["16389"],"16389":{"loc":"/srv/ts/","link":"pg_tblspc/16389"}},"format":"wal-e-cpp/1","wal_segment_backup_start":"000000010000000000000004","wal_segment_offset_backup_start":"00000040","start_lsn":"0/4000028","stop_lsn":"0/5000128","timeline":1,"pg_version_num":150010,"system_identifier":"7312345678901234567","start_time":"2026-11-24T10:00:00.000000Z","finish_time":"2026-11-24T10:01:00.000000Z","compressed_size_bytes":999,"codec":"zstd","file_count":12,"partition_count":3,"segment_size":16777216,"hostname":"db1","data_directory":"/data"}
EOF
echo '{"base_prefix": "/restored/", "tablespaces": ["16389"], "16389": {"loc": "/new/", "link": "pg_tblspc/16389"}}' >"$out/fuzz_sentinel/restore-spec.json"
# A manifest body without its checksum line (the target adds a correct one), and a whole one.
body='{ "PostgreSQL-Backup-Manifest-Version": 1,
"Files": [
{ "Path": "base/1/2", "Size": 8192, "Last-Modified": "2026-11-24 10:00:00 GMT", "Checksum-Algorithm": "CRC32C", "Checksum": "61a3120c" },
{ "Path": "PG_VERSION", "Size": 3, "Last-Modified": "2026-11-24 10:00:00 GMT" }
],
"WAL-Ranges": [
{ "Timeline": 1, "Start-LSN": "0/2000028", "End-LSN": "0/2000100" }
],
'
printf '%s' "$body" >"$out/fuzz_backup_manifest/body"
sum=$(printf '%s' "$body" | sha256sum | cut -d' ' -f1)
printf '%s"Manifest-Checksum": "%s"}\n' "$body" "$sum" >"$out/fuzz_backup_manifest/whole"

# S3 replies: the first byte picks the parser (see fuzz_s3_xml.cpp).
x() { printf "$1" >"$out/fuzz_s3_xml/$2"; printf '%s' "$3" >>"$out/fuzz_s3_xml/$2"; }
x '\x00' error '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>'
x '\x01' list '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><IsTruncated>true</IsTruncated><NextContinuationToken>tok</NextContinuationToken><Contents><Key>wal_005/000000010000000000000001.lzo</Key><LastModified>2009-10-12T17:50:30.000Z</LastModified><Size>434234</Size></Contents></ListBucketResult>'
x '\x02' initiate '<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>VXBsb2FkIElE</UploadId></InitiateMultipartUploadResult>'
x '\x03' complete '<CompleteMultipartUploadResult><ETag>"3858f62230ac3c915f300c664312c11f-9"</ETag></CompleteMultipartUploadResult>'
x '\x04' delete '<DeleteResult><Deleted><Key>a</Key></Deleted><Error><Key>b</Key><Code>AccessDenied</Code><Message>no</Message></Error></DeleteResult>'
x '\x05' time '2009-10-12T17:50:30.000Z'
x '\x06' escape 'a&b<c>"d'"'"'e'

# Names, keys, locations, numbers; and a WAL segment's first page.
n=0
for s in 000000010000000000000001 00000002.history 000000010000000000000002.00000028.backup \
         000000010000000000000003.partial 16/B374D848 base_000000010000000000000030_00000030 \
         basebackups_005/base_000000010000000000000030_00000030_backup_stop_sentinel.json \
         wal_005/000000010000000000000001.lzo \
         basebackups_005/base_000000010000000000000030_00000030/tar_partitions/part_00000001.tar.zst \
         LATEST 512M 18446744073709551615 ff; do
  printf '%s' "$s" >"$out/fuzz_wal_names/$((n++))"
done
head -c 64 "$work/wal" >"$out/fuzz_wal_names/wal-page"

printf 's3://bucket/path\nhttp+path://127.0.0.1:7480\nus-east-1\nWALE_RETRIES=5\nWALE_PARTITION_SIZE=8M\nWALE_ARCHIVE_TIMEOUT=60\nWALE_COMPRESSION=lz4\nWALE_S3_SSE=none\n' >"$out/fuzz_settings/s3"
printf 's3://my.bucket\nhttps+virtualhost://[::1]:8443\n\nAWS_REGION=eu-west-1\n' >"$out/fuzz_settings/s3-ipv6"
printf 'file://localhost/var/backups/wal-e\n\n\nWALE_PARTITION_SIZE=1G\nWALE_RETRIES=12abc\n' >"$out/fuzz_settings/file"
du -sh "$out"
