#!/usr/bin/env python3
"""A local stand-in for the AWS credential services, for wal-e's tests.

Serves, on 127.0.0.1:
  EC2 instance metadata (IMDSv2): PUT /latest/api/token (needs the
      X-aws-ec2-metadata-token-ttl-seconds header), then
      GET /latest/meta-data/iam/security-credentials/[ROLE] with the token.
  STS: POST / Action=AssumeRoleWithWebIdentity (the WebIdentityToken must equal
      the content of --web-token-file, RoleArn must be --role-arn).
  ECS container endpoint: GET /ecs/credentials (Authorization must equal
      --container-token).

Credentials handed out come from --keys (a JSON file re-read on every request):
  [{"id": "AK", "secret": "SK", "lifetime": 3600, "until": 3}, ...]
Entry i is handed out from the first fetch until `until` seconds after it
(the last entry, without "until", forever); its Expiration is (first fetch +
until + lifetime) for entries with "until", else (now + lifetime). So every
holder of entry i sees the same Expiration and, with lifetime 300 (wal-e's
refresh margin), refreshes at the moment the server switches to entry i+1.

Prints "PORT <n>" on stdout once listening. Appends one line per request to
--log: "<unix time> <method> <path> <outcome> [issued=<key id>]".
With --hold-file F holding a number N, credential requests after the N-th wait
while F exists (a test can catch a process in the middle of its fetch). Secrets,
tokens and request bodies are never logged; the full request line (path and
query) is, so a test can check that no secret travelled in a URL.
"""
import argparse
import datetime
import http.server
import json
import math
import sys
import threading
import time
import urllib.parse

ROLE = "wale-test-role"


def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.first_fetch = None
        self.imds_tokens = set()
        self.counter = 0

    def issue(self):
        # --hold-file N: once N credentials were handed out, hold further requests while it exists.
        while self.args.hold_file:
            try:
                with open(self.args.hold_file) as f:
                    limit = int(f.read().strip() or "0")
            except (FileNotFoundError, ValueError):
                break
            with self.lock:
                if self.counter < limit:
                    break
            time.sleep(0.05)
        with open(self.args.keys) as f:
            keys = json.load(f)
        with self.lock:
            now = time.time()
            if self.first_fetch is None:
                self.first_fetch = now
            # Entry i is handed out until switch_i = ceil(first fetch) + until_i (whole
            # seconds, as Expiration has no fraction), with Expiration = switch_i + lifetime,
            # so its holders refresh exactly at switch_i; fetches in the last half second
            # before a switch already get the next entry (no race with the refresh).
            for k in keys:
                if "until" not in k:
                    break
                switch = math.ceil(self.first_fetch) + k["until"]
                if now < switch - 0.5:
                    break
            if "until" in k and now < switch - 0.5:
                expires = switch + k["lifetime"]
            else:
                expires = now + k["lifetime"]
            self.counter += 1
            token = "session-token-%d-%s" % (self.counter, k["id"])
        return k, token, expires


def make_handler(state):
    args = state.args

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *a):  # no stderr chatter
            pass

        def record(self, outcome, issued=None):
            line = "%.3f %s %s %s" % (time.time(), self.command, self.path, outcome)
            if issued:
                line += " issued=" + issued
            with state.lock, open(args.log, "a") as f:
                f.write(line + "\n")

        def reply(self, status, body, ctype="text/plain", outcome=None, issued=None):
            data = body.encode()
            # Logged before replying: the client's next request (another connection,
            # another thread) must not be logged first.
            self.record(outcome or str(status), issued)
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def body(self):
            n = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(n).decode() if n else ""

        def creds_json(self):
            k, token, expires = state.issue()
            doc = {"Code": "Success", "LastUpdated": iso(time.time()), "Type": "AWS-HMAC",
                   "AccessKeyId": k["id"], "SecretAccessKey": k["secret"], "Token": token,
                   "Expiration": iso(expires)}
            return json.dumps(doc), k["id"]

        def do_PUT(self):
            self.body()
            if self.path != "/latest/api/token":
                return self.reply(404, "not found")
            if not self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
                return self.reply(400, "missing TTL header")
            tok = "imds-token-%d" % time.monotonic_ns()
            state.imds_tokens.add(tok)
            self.reply(200, tok, outcome="200 token")

        def do_GET(self):
            p = self.path
            if p.startswith("/latest/meta-data/iam/security-credentials/"):
                if self.headers.get("X-aws-ec2-metadata-token") not in state.imds_tokens:
                    return self.reply(401, "IMDSv2 token missing or wrong", outcome="401 no-token")
                rest = p[len("/latest/meta-data/iam/security-credentials/"):]
                if rest == "":
                    return self.reply(200, ROLE + "\n", outcome="200 role")
                if rest != ROLE:
                    return self.reply(404, "no such role")
                body, kid = self.creds_json()
                return self.reply(200, body, "application/json", issued=kid)
            if p == "/ecs/credentials":
                if self.headers.get("Authorization") != args.container_token:
                    return self.reply(403, "bad authorization", outcome="403 bad-auth")
                body, kid = self.creds_json()
                return self.reply(200, body, "application/json", issued=kid)
            self.reply(404, "not found")

        def do_POST(self):
            form = urllib.parse.parse_qs(self.body())
            get = lambda n: (form.get(n) or [""])[0]
            if get("Action") != "AssumeRoleWithWebIdentity":
                return self.reply(400, "<ErrorResponse><Error><Code>InvalidAction</Code></Error></ErrorResponse>",
                                  "text/xml")
            with open(args.web_token_file) as f:
                expected = f.read().strip()
            if get("WebIdentityToken") != expected or get("RoleArn") != args.role_arn or not get("RoleSessionName"):
                return self.reply(403, "<ErrorResponse><Error><Code>AccessDenied</Code><Message>Not authorized to "
                                       "perform sts:AssumeRoleWithWebIdentity</Message></Error></ErrorResponse>",
                                  "text/xml", outcome="403 AccessDenied")
            k, token, expires = state.issue()
            xml = ("<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
                   "<AssumeRoleWithWebIdentityResult><Credentials>"
                   "<AccessKeyId>%s</AccessKeyId><SecretAccessKey>%s</SecretAccessKey>"
                   "<SessionToken>%s</SessionToken><Expiration>%s</Expiration>"
                   "</Credentials><SubjectFromWebIdentityToken>system:serviceaccount:db:wal-e"
                   "</SubjectFromWebIdentityToken></AssumeRoleWithWebIdentityResult>"
                   "</AssumeRoleWithWebIdentityResponse>") % (k["id"], k["secret"], token, iso(expires))
            self.reply(200, xml, "text/xml", outcome="200 session=" + get("RoleSessionName"), issued=k["id"])

    return Handler


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keys", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--web-token-file", default="/dev/null")
    ap.add_argument("--role-arn", default="arn:aws:iam::123456789012:role/wal-e")
    ap.add_argument("--container-token", default="")
    ap.add_argument("--hold-file", default="")
    args = ap.parse_args()
    state = State(args)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make_handler(state))
    print("PORT %d" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
