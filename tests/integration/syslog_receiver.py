#!/usr/bin/env python3
"""A stand-in syslog daemon for the logging test: binds a Unix datagram socket
at SOCKET (mode 0666, so wal-e running as postgres can send), then appends each
datagram it receives to OUT as one line. Exits after IDLE seconds without a
message (the test also kills it). Not a registered test: lib-style helper."""
import os
import socket
import sys

sock_path, out_path = sys.argv[1], sys.argv[2]
idle = float(sys.argv[3]) if len(sys.argv) > 3 else 120.0
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sock_path)
os.chmod(sock_path, 0o666)
s.settimeout(idle)
with open(out_path, "ab", buffering=0) as out:
    while True:
        try:
            data = s.recv(65536)
        except socket.timeout:
            break
        out.write(data.replace(b"\n", b" ") + b"\n")
