"""A recording HTTP proxy for the benchmark: forwards every request verbatim to moto and records
one entry per AWS call (start and end time, method, path, service, operation, read or mutating).

Used in-process by bench/bench.py:

    proxy = RecordingProxy(upstream_port=5000)   # listens on 127.0.0.1, a free port
    proxy.start(); ...; calls = proxy.take()      # take() returns and clears the records
    proxy.stop()

or by hand, logging each call to stderr:

    bench/.venv/bin/python bench/proxy.py --upstream 5000 --port 5001
    bench/.venv/bin/python bench/proxy.py --upstream 5000 --quota --latency 0.05   # as AWS paces

With `quota=Quota(rate=10, burst=40)` the proxy holds API Gateway's account-level control-plane
quota the way AWS does ("Amazon API Gateway quotas": 10 requests a second, burst 40, shared by
every management call of the account): a token bucket, full at the start, and an API Gateway call
that finds it empty is refused with 429 `TooManyRequestsException` (the error the apigatewayv2
model gives that status) without reaching moto. Refused calls are recorded with `refused=True`.
IAM and Step Functions calls are not counted against it (their quotas are their own).
With `latency=0.05` every call takes 50 ms more, half before it reaches the bucket and moto and
half after, as a round trip to a region would.

HTTP/1.1 keep-alive works on both sides: each client connection gets its own handler thread
(ThreadingHTTPServer) and its own persistent upstream connection. Requests and responses are
buffered whole and always sent with Content-Length.

The service comes from the SigV4 credential scope in the Authorization header
(`Credential=AKID/DATE/REGION/SERVICE/aws4_request`). The operation: IAM and STS from the form
body's `Action=`, Step Functions from `X-Amz-Target`, API Gateway v2 from the REST path. A call is
a read when it is a GET, an IAM/STS `Get*`/`List*` action, or a Step Functions
`Describe*`/`List*`/`Get*`; everything else is mutating.
"""

from __future__ import annotations

import argparse
import http.client
import re
import socket
import sys
import threading
import time
import urllib.parse
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailers",
    "transfer-encoding",
    "upgrade",
    "content-length",
}

CREDENTIAL_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/([^/,\s]+)/([^/,\s]+)/aws4_request")


class Quota:
    """A token bucket, full at the start: `burst` calls at once, then `rate` a second."""

    def __init__(self, rate: float = 10.0, burst: float = 40.0):
        self.rate, self.burst = rate, burst
        self._lock = threading.Lock()
        self.refill()

    def refill(self) -> None:
        """Full again, as an account that has been quiet for a while."""
        with self._lock:
            self._tokens, self._last = self.burst, time.monotonic()

    def take(self) -> bool:
        """True when a token was free (and takes it); False when the call is over the quota."""
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return True
            return False


# The quota's service in the SigV4 credential scope: API Gateway v2 signs as `apigateway`.
QUOTA_SERVICE = "apigateway"
THROTTLED_BODY = b'{"message":"Too Many Requests"}'


@dataclass
class Call:
    t_start: float  # time.perf_counter() when the request was read
    t_end: float  # time.perf_counter() when the response was written
    method: str
    path: str
    service: str
    operation: str
    mutating: bool
    status: int
    refused: bool = False  # answered 429 by the proxy's quota, never reached moto

    def to_json(self) -> dict:
        return asdict(self)


def _singular(collection: str) -> str:
    name = collection[:-1] if collection.endswith("s") else collection
    return name[:1].upper() + name[1:]


def apigw_operation(method: str, path: str) -> str:
    """`POST /v2/apis/x/routes` -> CreateRoute, `GET /v2/apis/x/routes` -> GetRoutes, ..."""
    segments = [s for s in urllib.parse.urlsplit(path).path.split("/") if s]
    if segments[:1] == ["v2"]:
        segments = segments[1:]
    if not segments:
        return f"{method} {path}"
    if segments[0] == "tags":
        return {"GET": "GetTags", "POST": "TagResource", "DELETE": "UntagResource"}.get(method, method + "Tags")
    # Collections sit at even positions: apis/{id}/routes/{id}/...
    has_id = len(segments) % 2 == 0
    collection = segments[-2] if has_id else segments[-1]
    if method == "GET":
        return "Get" + (_singular(collection) if has_id else collection[:1].upper() + collection[1:])
    if method == "PUT" and segments == ["apis"]:
        return "ImportApi"  # PUT /v2/apis; PUT /v2/apis/{apiId} is ReimportApi (botocore model)
    verb = {"POST": "Create", "PATCH": "Update", "DELETE": "Delete", "PUT": "Reimport"}.get(method, method)
    return verb + _singular(collection)


def classify(method: str, path: str, headers, body: bytes) -> tuple[str, str, bool]:
    """(service, operation, mutating) of one request."""
    match = CREDENTIAL_SCOPE.search(headers.get("Authorization", "") or "")
    service = match.group(2) if match else "unsigned"
    target = headers.get("X-Amz-Target")
    if target:
        operation = target.rsplit(".", 1)[-1]
        read = operation.startswith(("Describe", "List", "Get"))
        return service, operation, not read
    if method == "POST" and urllib.parse.urlsplit(path).path in ("", "/"):
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
        operation = (form.get("Action") or ["?"])[0]
        read = operation.startswith(("Get", "List"))
        return service, operation, not read
    if path.startswith("/v2/"):
        return service, apigw_operation(method, path), method != "GET"
    return service, f"{method} {urllib.parse.urlsplit(path).path}", method != "GET"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def setup(self) -> None:
        super().setup()
        # Without TCP_NODELAY, a response written as headers then body meets the client's
        # delayed ACK (Nagle): ~40 ms added to every call. The response also goes out in one write.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._upstream: http.client.HTTPConnection | None = None

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            if self._upstream is not None:
                self._upstream.close()

    def log_message(self, format: str, *args) -> None:  # quiet
        pass

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _forward(self, body: bytes) -> tuple[int, str, list[tuple[str, str]], bytes]:
        headers = [(k, v) for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP]
        for attempt in (0, 1):
            reused = self._upstream is not None
            if self._upstream is None:
                self._upstream = http.client.HTTPConnection(
                    self.server.upstream_host, self.server.upstream_port, timeout=300
                )
                self._upstream.connect()
                self._upstream.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = self._upstream
            try:
                conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
                for k, v in headers:
                    conn.putheader(k, v)
                if body or self.command in ("POST", "PUT", "PATCH"):
                    conn.putheader("Content-Length", str(len(body)))
                conn.endheaders(body if body else None)
                resp = conn.getresponse()
                data = resp.read()
                if resp.will_close:
                    conn.close()
                    self._upstream = None
                return resp.status, resp.reason, resp.getheaders(), data
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # A kept-alive upstream connection closed while idle: reconnect once.
                conn.close()
                self._upstream = None
                if attempt or not reused:
                    raise
        raise AssertionError("unreachable")

    def _handle(self) -> None:
        # Counted as in flight until recorded: the client may exit (and the benchmark call
        # take()) between our answer and the record, which would lose the last call.
        with self.server.lock:
            self.server.inflight += 1
        try:
            self._handle_counted()
        finally:
            with self.server.lock:
                self.server.inflight -= 1

    def _handle_counted(self) -> None:
        t_start = time.perf_counter()
        body = self._read_body()
        service, operation, mutating = classify(self.command, self.path, self.headers, body)
        latency, quota = self.server.latency, self.server.quota
        if latency:
            time.sleep(latency / 2)
        refused = quota is not None and service == QUOTA_SERVICE and not quota.take()
        if refused:
            status, reason, data = 429, "Too Many Requests", THROTTLED_BODY
            headers = [
                ("Content-Type", "application/json"),
                ("x-amzn-ErrorType", "TooManyRequestsException"),
                ("x-amzn-RequestId", "bench-proxy-quota"),
            ]
        else:
            try:
                status, reason, headers, data = self._forward(body)
            except OSError as e:
                status, reason, headers = 502, "Bad Gateway", []
                data = f"bench proxy: upstream error: {e}\n".encode()
        if latency:
            time.sleep(latency / 2)
        head = [f"{self.protocol_version} {status} {reason}\r\n"]
        head += [f"{k}: {v}\r\n" for k, v in headers if k.lower() not in HOP_BY_HOP]
        head.append(f"Content-Length: {len(data)}\r\n")
        if self.close_connection:
            head.append("Connection: close\r\n")
        head.append("\r\n")
        payload = "".join(head).encode("latin-1")
        self.wfile.write(payload + data if self.command != "HEAD" else payload)
        self.wfile.flush()
        t_end = time.perf_counter()
        self.server.record(
            Call(t_start, t_end, self.command, self.path, service, operation, mutating, status, refused)
        )

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(
        self,
        addr,
        upstream_host: str,
        upstream_port: int,
        log: bool = False,
        quota: Quota | None = None,
        latency: float = 0.0,
    ):
        super().__init__(addr, _Handler)
        self.upstream_host = upstream_host
        self.upstream_port = upstream_port
        self.quota = quota
        self.latency = latency
        self.calls: list[Call] = []
        self.inflight = 0
        self.lock = threading.Lock()
        self.log = log

    def record(self, call: Call) -> None:
        with self.lock:
            self.calls.append(call)
        if self.log:
            kind = "T" if call.refused else "W" if call.mutating else "R"
            print(
                f"{kind} {call.status} {call.service:<12} {call.operation:<28} "
                f"{(call.t_end - call.t_start) * 1000:7.1f} ms  {call.method} {call.path}",
                file=sys.stderr,
            )


class RecordingProxy:
    def __init__(
        self,
        upstream_port: int,
        upstream_host: str = "127.0.0.1",
        port: int = 0,
        log: bool = False,
        quota: Quota | None = None,
        latency: float = 0.0,
    ):
        self._server = _Server(("127.0.0.1", port), upstream_host, upstream_port, log, quota, latency)
        self.quota = quota
        self._thread = threading.Thread(target=self._server.serve_forever, name="bench-proxy", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> "RecordingProxy":
        self._thread.start()
        return self

    def take(self) -> list[Call]:
        """The calls recorded since the last take(), in start order; clears them. Waits (up to
        2 s) for calls still being answered to be recorded."""
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            with self._server.lock:
                if self._server.inflight == 0:
                    break
            time.sleep(0.005)
        with self._server.lock:
            calls, self._server.calls = self._server.calls, []
        return sorted(calls, key=lambda c: c.t_start)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def waves(calls: list[Call]) -> int:
    """Sequential waves: sort by start; a call opens a new wave when it starts after every
    earlier call has ended."""
    count, latest_end = 0, float("-inf")
    for call in sorted(calls, key=lambda c: c.t_start):
        if call.t_start >= latest_end:
            count += 1
        latest_end = max(latest_end, call.t_end)
    return count


def main() -> int:
    parser = argparse.ArgumentParser(description="Recording proxy in front of moto (logs calls to stderr).")
    parser.add_argument("--upstream", type=int, required=True, help="moto's port on 127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--quota", action="store_true", help="hold API Gateway's quota: 10 calls/s, burst 40")
    parser.add_argument("--rate", type=float, default=10.0, help="with --quota: calls a second (default 10)")
    parser.add_argument("--burst", type=float, default=40.0, help="with --quota: the burst (default 40)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every call (e.g. 0.05)")
    args = parser.parse_args()
    quota = Quota(args.rate, args.burst) if args.quota else None
    proxy = RecordingProxy(args.upstream, port=args.port, log=True, quota=quota, latency=args.latency)
    print(f"proxy listening on {proxy.url}", file=sys.stderr)
    try:
        proxy._server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
