#!/usr/bin/env python3
"""What PostgreSQL's archiver does with archive_library = 'wal_e_archive', for bench/run.sh.

archive_module_loop.py SOCKET DIR LATFILE SEG...

For each segment, in order: connect to the wal-e wal-push-server on SOCKET, send
"push DIR/pg_wal/SEG" (the module's request), wait for the one-line answer, and on "OK"
rename archive_status/SEG.ready to .done as the archiver does. Writes one latency (us) per
line to LATFILE. Any other answer, or a closed connection, fails the run.
"""
import os
import socket
import sys
import time


def main() -> int:
    sock_path, wal_root, lat_path = sys.argv[1:4]
    segments = sys.argv[4:]
    with open(lat_path, "w", encoding="ascii") as lat:
        for seg in segments:
            t0 = time.perf_counter_ns()
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
                conn.connect(sock_path)
                conn.sendall(f"push {wal_root}/pg_wal/{seg}\n".encode())
                answer = b""
                while not answer.endswith(b"\n"):
                    chunk = conn.recv(4096)
                    if not chunk:
                        print(f"{seg}: the server closed the connection", file=sys.stderr)
                        return 1
                    answer += chunk
            t1 = time.perf_counter_ns()
            if not answer.startswith(b"OK"):
                print(f"{seg}: {answer.decode(errors='replace').strip()}", file=sys.stderr)
                return 1
            lat.write(f"{(t1 - t0) // 1000}\n")
            ready = f"{wal_root}/pg_wal/archive_status/{seg}.ready"
            if os.path.exists(ready):
                os.rename(ready, ready[: -len(".ready")] + ".done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
