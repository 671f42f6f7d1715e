#!/usr/bin/env python3
"""An independent reader/writer of wal-e's libsodium object format (WAL-G's).

It calls libsodium's C API through ctypes (no wal-e code, no PyPI package):
    header 24 bytes (crypto_secretstream_xchacha20poly1305_init_push), then
    chunks of 8192 plaintext bytes pushed with TAG_MESSAGE (8209 bytes each),
    then one chunk of 0..8191 bytes pushed with TAG_FINAL; no additional data.

    sodium_stream.py encrypt HEXKEY < plain > object
    sodium_stream.py decrypt HEXKEY < object > plain   (exit 1 if not authentic)

Used to make kat-*.bin once (docs/encryption.md) and, in the unit tests, to
decrypt what wal-e writes.
"""
import ctypes
import ctypes.util
import sys

CHUNK = 8192
HEADER = 24
ABYTES = 17
TAG_MESSAGE, TAG_FINAL = 0, 3

lib = ctypes.CDLL(ctypes.util.find_library("sodium") or "libsodium.so.23")
if lib.sodium_init() < 0:
    sys.exit("sodium_init failed")
STATE = ctypes.create_string_buffer(lib.crypto_secretstream_xchacha20poly1305_statebytes())


def encrypt(key, data):
    header = ctypes.create_string_buffer(HEADER)
    lib.crypto_secretstream_xchacha20poly1305_init_push(STATE, header, key)
    out = [header.raw]
    pos = 0
    while True:
        piece = data[pos:pos + CHUNK]
        last = len(piece) < CHUNK
        c = ctypes.create_string_buffer(len(piece) + ABYTES)
        clen = ctypes.c_ulonglong()
        lib.crypto_secretstream_xchacha20poly1305_push(
            STATE, c, ctypes.byref(clen), piece, ctypes.c_ulonglong(len(piece)), None, ctypes.c_ulonglong(0),
            ctypes.c_ubyte(TAG_FINAL if last else TAG_MESSAGE))
        out.append(c.raw[:clen.value])
        pos += len(piece)
        if last:
            return b"".join(out)


def decrypt(key, data):
    if len(data) < HEADER or lib.crypto_secretstream_xchacha20poly1305_init_pull(STATE, data[:HEADER], key) != 0:
        return None
    pos, out = HEADER, []
    while pos < len(data):
        chunk = data[pos:pos + CHUNK + ABYTES]
        m = ctypes.create_string_buffer(max(1, len(chunk)))
        mlen = ctypes.c_ulonglong()
        tag = ctypes.c_ubyte()
        if lib.crypto_secretstream_xchacha20poly1305_pull(
                STATE, m, ctypes.byref(mlen), ctypes.byref(tag), chunk, ctypes.c_ulonglong(len(chunk)), None,
                ctypes.c_ulonglong(0)) != 0:
            return None
        out.append(m.raw[:mlen.value])
        pos += len(chunk)
        if tag.value == TAG_FINAL:
            return b"".join(out) if pos == len(data) else None
    return None


def main():
    mode, key = sys.argv[1], bytes.fromhex(sys.argv[2])
    assert len(key) == 32
    data = sys.stdin.buffer.read()
    result = encrypt(key, data) if mode == "encrypt" else decrypt(key, data)
    if result is None:
        sys.exit(1)
    sys.stdout.buffer.write(result)


if __name__ == "__main__":
    main()
