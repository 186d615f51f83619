#!/usr/bin/env python3
"""Raw-socket fuzzer for a live urad (issue 28; scripts/e2e/socket-fuzz.sh runs it bounded).

Sends malformed and truncated TLS records, cut and mutated handshakes, close_notify and
renegotiation attempts at odd places, and hostile HTTP heads over mTLS (oversized lines, bad
chunked bodies and Content-Length, folding, NULs, pipelining, 1-byte writes, floods, clients that
never read, stalls) for a bounded time, from several threads at once. Throughout it checks that
urad runs and that a healthy mTLS client gets a correct answer within a generous bound; at the
end that no well-formed request got a 5xx, that urad's open descriptors come back to their
starting level once the fuzz connections are closed, and that its RSS did not grow grossly.

Only the standard library: `ssl.MemoryBIO`/`SSLObject` give byte-level control over a real TLS
client (the records it writes can be cut, mutated or interleaved with raw ones), and a script
needs no build step. The seed is printed; `--seed` replays the same choices of cases (timing
still differs between runs).

Exit status: 0 no finding, 1 findings (listed), 2 bad usage.
"""
import argparse
import json
import os
import random
import socket
import ssl
import struct
import sys
import threading
import time

HEALTH_BOUND = 30.0  # seconds a healthy client may take, generous on a loaded 2-core machine


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.connections = 0
        self.bytes_sent = 0
        self.bytes_received = 0
        self.cases = {}
        self.statuses = {}
        self.findings = []
        self.health_checks = 0
        self.health_worst = 0.0

    def case(self, name):
        with self.lock:
            self.cases[name] = self.cases.get(name, 0) + 1

    def add(self, connections=0, sent=0, received=0):
        with self.lock:
            self.connections += connections
            self.bytes_sent += sent
            self.bytes_received += received

    def status(self, code):
        with self.lock:
            self.statuses[code] = self.statuses.get(code, 0) + 1

    def finding(self, text):
        with self.lock:
            if len(self.findings) < 200:
                self.findings.append(text)
        print(f"FINDING: {text}", file=sys.stderr, flush=True)


class Target:
    def __init__(self, args):
        self.host = "127.0.0.1"
        self.port = args.port
        self.pid = args.pid
        self.client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        self.client.load_verify_locations(args.ca)
        self.client.load_cert_chain(args.cert, args.key)
        self.client.check_hostname = False
        self.tls12 = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        self.tls12.load_verify_locations(args.ca)
        self.tls12.load_cert_chain(args.cert, args.key)
        self.tls12.check_hostname = False
        self.tls12.maximum_version = ssl.TLSVersion.TLSv1_2
        # No client certificate: a stranger (unverified idle timeout, 401/403 answers).
        self.anonymous = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        self.anonymous.load_verify_locations(args.ca)
        self.anonymous.check_hostname = False

    def tcp(self, timeout=10.0):
        s = socket.create_connection((self.host, self.port), timeout=timeout)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return s


class TLSClient:
    """A TLS client over a raw socket through memory BIOs: what goes on the wire is ours."""

    def __init__(self, target, stats, context=None, timeout=10.0):
        self.stats = stats
        self.sock = target.tcp(timeout)
        stats.add(connections=1)
        self.incoming = ssl.MemoryBIO()
        self.outgoing = ssl.MemoryBIO()
        self.obj = (context or target.client).wrap_bio(self.incoming, self.outgoing, server_side=False,
                                                       server_hostname="localhost")

    def pending_wire(self):
        return self.outgoing.read()

    def raw_send(self, data, chunk=None):
        if chunk:
            for i in range(0, len(data), chunk):
                self.sock.sendall(data[i:i + chunk])
        else:
            self.sock.sendall(data)
        self.stats.add(sent=len(data))

    def raw_recv(self):
        data = self.sock.recv(65536)
        self.stats.add(received=len(data))
        return data

    def flush(self):
        data = self.pending_wire()
        if data:
            self.raw_send(data)

    def handshake(self):
        while True:
            try:
                self.obj.do_handshake()
                self.flush()
                return True
            except ssl.SSLWantReadError:
                self.flush()
                data = self.raw_recv()
                if not data:
                    return False
                self.incoming.write(data)

    def send(self, plaintext, chunk=None):
        if chunk:
            for i in range(0, len(plaintext), chunk):
                self.obj.write(plaintext[i:i + chunk])
                self.raw_send(self.pending_wire())
        else:
            self.obj.write(plaintext)
            self.raw_send(self.pending_wire())

    def recv(self):
        """Plaintext, b"" at end of stream (close_notify or TCP close)."""
        while True:
            try:
                data = self.obj.read(65536)
                return data
            except ssl.SSLWantReadError:
                raw = self.raw_recv()
                if not raw:
                    return b""
                self.incoming.write(raw)
            except ssl.SSLZeroReturnError:
                return b""

    def close_notify(self):
        try:
            self.obj.unwrap()
        except (ssl.SSLWantReadError, ssl.SSLError):
            pass
        self.flush()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def client_hello(target):
    """The bytes of a real ClientHello with our client certificate's context (one or more records)."""
    bio_in, bio_out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = target.client.wrap_bio(bio_in, bio_out, server_hostname="localhost")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return bio_out.read()


def record(content_type, version, payload, length=None):
    return struct.pack("!BHH", content_type, version, len(payload) if length is None else length) + payload


def mutate(rng, data, count=None):
    data = bytearray(data)
    for _ in range(count or rng.randint(1, 8)):
        if not data:
            break
        choice = rng.random()
        i = rng.randrange(len(data))
        if choice < 0.5:
            data[i] ^= 1 << rng.randrange(8)
        elif choice < 0.7:
            data[i] = rng.choice([0x00, 0xFF, 0x7F, 0x80, 0x0D, 0x0A])
        elif choice < 0.85:
            del data[i:i + rng.randint(1, 16)]
        else:
            data[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
    return bytes(data)


def read_responses(client, deadline=10.0, expected=None):
    """Reads until the server closes, stops answering, or `expected` whole responses arrived
    (a keep-alive connection stays open after its answers); returns the status codes."""
    client.sock.settimeout(deadline)
    buffer = b""
    codes = []
    try:
        while expected is None or len(codes) < expected:
            # Take out every whole response already buffered.
            while True:
                end = buffer.find(b"\r\n\r\n")
                if end < 0:
                    break
                head = buffer[:end].split(b"\r\n")
                length = 0
                for line in head[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length" and value.strip().isdigit():
                        length = int(value.strip())
                if len(buffer) < end + 4 + length:
                    break
                if head[0].startswith(b"HTTP/1.1 ") and head[0][9:12].isdigit():
                    code = int(head[0][9:12])
                    if code != 100:
                        codes.append(code)
                buffer = buffer[end + 4 + length:]
            if expected is not None and len(codes) >= expected:
                break
            data = client.recv()
            if not data:
                break
            buffer += data
    except (socket.timeout, OSError, ssl.SSLError):
        pass
    return codes


# ---------------------------------------------------------------- cases

class Cases:
    def __init__(self, target, stats, holder):
        self.t = target
        self.s = stats
        self.holder = holder
        self.hello = client_hello(target)

    # -- TLS, raw

    def tls_garbage(self, rng):
        s = self.t.tcp()
        self.s.add(connections=1)
        data = bytes(rng.randrange(256) for _ in range(rng.randint(1, 4096)))
        self._send_and_drain(s, data)

    def tls_bad_record_header(self, rng):
        s = self.t.tcp()
        self.s.add(connections=1)
        content_type = rng.choice([0, 1, 19, 20, 21, 22, 23, 24, 99, 255])
        version = rng.choice([0x0000, 0x0200, 0x0300, 0x0301, 0x0303, 0x0304, 0x7F1C, 0xFEFF, 0xFFFF])
        length = rng.choice([0, 1, 5, 16384, 16385, 16384 + 256, 16384 + 2048, 16384 + 2049, 65535])
        payload = bytes(rng.randrange(256) for _ in range(min(length, rng.choice([0, 3, 64, 20000]))))
        self._send_and_drain(s, record(content_type, version, payload, length))

    def tls_mutated_hello(self, rng):
        s = self.t.tcp()
        self.s.add(connections=1)
        self._send_and_drain(s, mutate(rng, self.hello))

    def tls_truncated_hello(self, rng):
        s = self.t.tcp()
        self.s.add(connections=1)
        cut = rng.randrange(1, len(self.hello))
        s.sendall(self.hello[:cut])
        self.s.add(sent=cut)
        if rng.random() < 0.3:
            self.holder.hold(s)  # and stall: the handshake timeout must close it
        else:
            s.close()

    def tls_garbage_after_hello(self, rng):
        s = self.t.tcp()
        self.s.add(connections=1)
        tail = rng.choice([
            bytes(rng.randrange(256) for _ in range(rng.randint(1, 2000))),
            record(23, 0x0303, b"\x00" * 32),                   # application data before the handshake
            record(21, 0x0303, b"\x01\x00"),                    # close_notify alert in the clear
            record(20, 0x0303, b"\x01"),                        # change_cipher_spec
            self.hello,                                         # a second ClientHello
            b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        ])
        self._send_and_drain(s, self.hello + tail)

    def tls_hello_bytewise(self, rng):
        s = self.t.tcp()
        self.s.add(connections=1)
        limit = len(self.hello) if rng.random() < 0.5 else rng.randrange(1, len(self.hello))
        for i in range(limit):
            s.sendall(self.hello[i:i + 1])
        self.s.add(sent=limit)
        s.close()

    def tls_handshake_cut(self, rng):
        """Real handshake that stops after the server's flight, or sends a cut/mutated client flight."""
        client = TLSClient(self.t, self.s, rng.choice([self.t.client, self.t.tls12, self.t.anonymous]))
        try:
            try:
                client.obj.do_handshake()
            except ssl.SSLWantReadError:
                pass
            client.flush()
            client.sock.settimeout(5)
            flight = b""
            # Feed the server's flight until our client has its own answer ready.
            for _ in range(20):
                raw = client.raw_recv()
                if not raw:
                    break
                client.incoming.write(raw)
                try:
                    client.obj.do_handshake()
                except ssl.SSLWantReadError:
                    pass
                flight = client.pending_wire()
                if flight:
                    break
            mode = rng.randrange(5)
            if mode == 0 or not flight:
                pass                                         # never answer: stall or close
            elif mode == 1:
                client.raw_send(flight[:rng.randrange(1, len(flight))])
            elif mode == 2:
                client.raw_send(mutate(rng, flight))
            elif mode == 3:
                client.raw_send(flight[:rng.randrange(1, len(flight))] + record(21, 0x0303, b"\x01\x00"))
            else:
                client.raw_send(flight, chunk=1)
                client.raw_send(mutate(rng, flight))         # and again, damaged
            if rng.random() < 0.3:
                self.holder.hold(client.sock)
                return
            read_responses(client, 2)
        except (OSError, ssl.SSLError):
            pass
        client.close()

    def tls_after_handshake(self, rng):
        """Raw records after a complete mTLS handshake: renegotiation, plaintext, alerts, bad MACs."""
        client = TLSClient(self.t, self.s, rng.choice([self.t.client, self.t.tls12]))
        try:
            if not client.handshake():
                return client.close()
            mode = rng.randrange(7)
            if mode == 0:
                client.raw_send(self.hello)                                 # renegotiation: ClientHello in the clear
            elif mode == 1:
                client.raw_send(record(22, 0x0303, bytes([0, 0, 0, 0])))   # HelloRequest, unencrypted
            elif mode == 2:
                client.raw_send(record(23, 0x0303, bytes(rng.randrange(256) for _ in range(rng.randint(1, 512)))))
            elif mode == 3:
                client.raw_send(record(21, 0x0303, bytes([2, rng.randrange(256)])))
            elif mode == 4:
                client.send(b"GET /healthz HTTP/1.1\r\nHo")               # half a head, then close_notify
                client.close_notify()
            elif mode == 5:
                client.close_notify()                                       # close_notify, then a request anyway
                client.raw_send(record(23, 0x0303, b"\x00" * 40))
            else:
                client.obj.write(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
                client.raw_send(mutate(rng, client.pending_wire(), 1))      # one flipped bit in a record
            read_responses(client, 2)
        except (OSError, ssl.SSLError):
            pass
        client.close()

    # -- HTTP over mTLS

    def _http(self, rng, payload, chunk=None, expect_good=False, read=True, context=None, expected=1):
        client = TLSClient(self.t, self.s, context)
        try:
            if not client.handshake():
                return client.close()
            client.send(payload, chunk)
            if not read:
                self.holder.hold(client.sock)
                return
            codes = read_responses(client, 15, expected)
            for code in codes:
                self.s.status(code)
                # 503: shedding load; 505: the answer to an HTTP version other than 1.x.
                if code >= 500 and code not in (503, 505):
                    self.s.finding(f"{code} for {'a well-formed' if expect_good else 'a malformed'} request: {payload[:120]!r}")
            if expect_good and len(codes) < expected:
                self.s.finding(f"{len(codes)} answers to {expected} well-formed requests: {payload[:120]!r}")
        except (OSError, ssl.SSLError) as error:
            if expect_good:
                self.s.finding(f"connection failed on a well-formed request ({error}): {payload[:120]!r}")
        client.close()

    def _good(self, rng):
        path = rng.choice(["/healthz", "/readyz", "/v1/directory", "/v1/receipts", "/v1/inbox?wait=0",
                           "/v1/ledger/checkpoint", "/nope", "/v1/messages/00000000-0000-0000-0000-000000000000"])
        return f"GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode()

    def http_oversized(self, rng):
        what = rng.randrange(4)
        if what == 0:
            payload = b"GET /" + b"a" * rng.choice([8 * 1024, 70 * 1024, 300 * 1024]) + b" HTTP/1.1\r\nHost: x\r\n\r\n"
        elif what == 1:
            payload = b"GET / HTTP/1.1\r\nHost: x\r\nX: " + b"b" * rng.choice([9 * 1024, 70 * 1024]) + b"\r\n\r\n"
        elif what == 2:
            payload = b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(rng.choice([101, 1000, 5000]))) + b"\r\n"
        else:
            payload = b"\r\n" * rng.choice([3, 100, 10000]) + b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
        self._http(rng, payload)

    def http_bad_framing(self, rng):
        head = "POST /v1/messages HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        payload = rng.choice([
            head + "Content-Length: -1\r\n\r\n",
            head + "Content-Length: 12abc\r\n\r\n{}",
            head + "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
            head + "Content-Length: 99999999999999999999999\r\n\r\n",
            head + "Content-Length: 2, 2\r\n\r\n{}",
            head + "Content-Length: +2\r\n\r\n{}",
            head + "Content-Length: 100\r\n\r\n{}",                                      # short body: body timeout
            head + "Transfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n",
            head + "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
            head + "Transfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n",
            head + "Transfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n{}",
            head + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
            head + "Transfer-Encoding: chunked\r\n\r\n2;ext=\"\x00\"\r\n{}\r\n0\r\n\r\n",
            head + "Content-Length: 5000000000\r\n\r\n",
            head + "Content-Length: 4\r\n\r\n\x00\x00\x00\x00",
            head + "Content-Length: 1\r\n\r\n{",
        ]).encode("latin-1")
        self._http(rng, payload)

    def http_bad_head(self, rng):
        payload = rng.choice([
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n  b\r\n\r\n",          # obs-fold
            b"GET /healthz HTTP/1.1\r\n Host: x\r\n\r\n",
            b"GET /healthz HTTP/1.1\r\nHost: x\x00y\r\n\r\n",
            b"GET /heal\x00thz HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET /healthz HTTP/1.1\rHost: x\r\r",
            b"GET /healthz HTTP/1.1\nHost: x\n\n",
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nBad Name: y\r\n\r\n",
            b"GET /healthz HTTP/1.1\r\nHost: x\r\n: novalue\r\n\r\n",
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
            b"GET /healthz HTTP/1.0\r\n\r\n",
            b"GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n",
            b"GET /healthz HTTP/1.1 extra\r\nHost: x\r\n\r\n",
            b"GET  /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
            b"G\xc3\xa9T /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET http://evil/healthz HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET * HTTP/1.1\r\nHost: x\r\n\r\n",
            b"CONNECT localhost:443 HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET /v1/inbox?wait=99999999999999999999 HTTP/1.1\r\nHost: x\r\n\r\n",
            b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n",
            b"\x16\x03\x01\x00\x05hello",
        ])
        self._http(rng, payload)

    def http_mutated(self, rng):
        base = rng.choice([
            self._good(rng),
            b"POST /v1/messages HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
            b"POST /v1/inbox/x/ack HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        ])
        self._http(rng, mutate(rng, base))

    def http_well_formed(self, rng):
        """Good requests sent in hostile ways: pipelined, 1-byte writes, with and without a certificate."""
        count = rng.choice([1, 2, 5, 20])
        payload = b"".join(self._good(rng) for _ in range(count))
        chunk = 1 if rng.random() < 0.3 else None
        context = self.t.anonymous if rng.random() < 0.15 else None
        # Without a certificate the first answer refuses and closes.
        self._http(rng, payload, chunk=chunk, expect_good=True, context=context, expected=1 if context else count)

    def http_flood(self, rng):
        """Fast sender: many pipelined requests or a large body in one go."""
        if rng.random() < 0.5:
            count = rng.choice([100, 1000])
            payload = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n" * count
            return self._http(rng, payload, expected=count)
        else:
            size = rng.choice([1 << 20, 4 << 20, 12 << 20])
            payload = (b"POST /v1/messages HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                       b"Content-Length: %d\r\n\r\n" % size) + b"[" * size
        self._http(rng, payload)

    def http_never_reads(self, rng):
        """Pipelined requests whose answers are never read; the connection is held, then dropped."""
        payload = b"GET /v1/directory HTTP/1.1\r\nHost: localhost\r\n\r\n" * rng.choice([50, 500])
        self._http(rng, payload, read=False)

    def stall(self, rng):
        """Connections that stop: after TCP connect, after the handshake, mid-head, mid-body."""
        mode = rng.randrange(4)
        if mode == 0:
            s = self.t.tcp()
            self.s.add(connections=1)
            self.holder.hold(s)
            return
        client = TLSClient(self.t, self.s, rng.choice([self.t.client, self.t.anonymous]))
        try:
            if not client.handshake():
                return client.close()
            if mode == 2:
                client.send(b"GET /healthz HTTP/1.1\r\nHo")
            elif mode == 3:
                client.send(b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"a\":")
            self.holder.hold(client.sock)
        except (OSError, ssl.SSLError):
            client.close()

    def _send_and_drain(self, s, data):
        try:
            s.sendall(data)
            self.s.add(sent=len(data))
            s.settimeout(2)
            while True:
                got = s.recv(65536)
                if not got:
                    break
                self.s.add(received=len(got))
        except OSError:
            pass
        s.close()

    def all(self):
        return [(name, getattr(self, name)) for name in sorted(dir(self))
                if name.startswith(("tls_", "http_", "stall")) and callable(getattr(self, name))]


class Holder:
    """Connections the fuzzer keeps open (stalled, or never reading); the oldest is dropped past a cap."""

    def __init__(self, cap):
        self.cap = cap
        self.lock = threading.Lock()
        self.held = []

    def hold(self, sock):
        with self.lock:
            self.held.append(sock)
            old = self.held[:-self.cap] if len(self.held) > self.cap else []
            self.held = self.held[-self.cap:]
        for s in old:
            s.close()

    def close_all(self):
        with self.lock:
            held, self.held = self.held, []
        for s in held:
            try:
                s.close()
            except OSError:
                pass
        return len(held)


# ---------------------------------------------------------------- checks

def open_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def healthy(target, stats):
    """A fresh mTLS connection, two well-formed requests; None when both answer right in time."""
    started = time.monotonic()
    try:
        with socket.create_connection((target.host, target.port), timeout=HEALTH_BOUND) as raw:
            with target.client.wrap_socket(raw, server_hostname="localhost") as s:
                answers = []
                for path in ("/healthz", "/v1/directory"):
                    s.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
                    buffer = b""
                    while b"\r\n\r\n" not in buffer:
                        chunk = s.recv(65536)
                        if not chunk:
                            return f"the healthy client's connection closed before the answer to {path}"
                        buffer += chunk
                    head, _, body = buffer.partition(b"\r\n\r\n")
                    length = 0
                    for line in head.split(b"\r\n")[1:]:
                        name, _, value = line.partition(b":")
                        if name.strip().lower() == b"content-length":
                            length = int(value.strip())
                    while len(body) < length:
                        chunk = s.recv(65536)
                        if not chunk:
                            break
                        body += chunk
                    answers.append((path, head.split(b"\r\n")[0], body))
                    if time.monotonic() - started > HEALTH_BOUND:
                        return f"the healthy client waited more than {HEALTH_BOUND:.0f} s"
    except (OSError, ssl.SSLError) as error:
        return f"the healthy client failed: {error}"
    elapsed = time.monotonic() - started
    with stats.lock:
        stats.health_checks += 1
        stats.health_worst = max(stats.health_worst, elapsed)
    for path, line, body in answers:
        if not line.startswith(b"HTTP/1.1 200 "):
            return f"the healthy client got {line!r} for {path}"
        try:
            json.loads(body)
        except ValueError:
            return f"the healthy client got a body that is not JSON for {path}: {body[:80]!r}"
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pid", type=int, required=True, help="urad's process id (for /proc checks)")
    parser.add_argument("--ca", required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--hold", type=int, default=200, help="stalled connections kept open at most")
    parser.add_argument("--settle", type=float, default=60,
                        help="seconds to wait for urad's descriptors to come back after the fuzz connections close")
    parser.add_argument("--fd-slack", type=int, default=4)
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 32)
    print(f"socket fuzz: seed {seed}, {args.seconds:.0f} s, {args.workers} workers, urad pid {args.pid} port {args.port}", flush=True)

    target = Target(args)
    stats = Stats()
    holder = Holder(args.hold)
    cases = Cases(target, stats, holder)
    problem = healthy(target, stats)
    if problem:
        print(f"urad is not healthy before the run: {problem}", file=sys.stderr)
        return 1
    fds_before = open_fds(args.pid)
    rss_before = rss_mb(args.pid)
    print(f"before: {fds_before} open descriptors, RSS {rss_before:.1f} MB", flush=True)

    stop = threading.Event()
    end = time.monotonic() + args.seconds
    all_cases = cases.all()

    def worker(index):
        rng = random.Random(seed * 1000 + index)
        while not stop.is_set() and time.monotonic() < end:
            name, case = rng.choice(all_cases)
            stats.case(name)
            try:
                case(rng)
            except (OSError, ssl.SSLError):
                pass  # the server may cut any of these; what matters is what the checks see
            except Exception as error:  # a bug in the fuzzer itself: say so, don't hide it
                stats.finding(f"fuzzer error in {name}: {error!r}")

    def watchdog():
        while not stop.wait(2.0) and time.monotonic() < end:
            if not alive(args.pid):
                stats.finding("urad is not running")
                stop.set()
                return
            try:
                peaks["fds"] = max(peaks["fds"], open_fds(args.pid))
                peaks["rss"] = max(peaks["rss"], rss_mb(args.pid))
            except OSError:
                pass
            problem = healthy(target, stats)
            if problem:
                stats.finding(problem)

    peaks = {"fds": fds_before, "rss": rss_before}
    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(args.workers)]
    threads.append(threading.Thread(target=watchdog, daemon=True))
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(args.seconds + 120)
        if thread.is_alive():
            stats.finding("a fuzz worker hung (no progress two minutes past the end): the server stopped answering?")
    duration = time.monotonic() - started
    fds_peak_note = open_fds(args.pid) if alive(args.pid) else -1
    held = holder.close_all()
    print(f"fuzzing done after {duration:.0f} s; {held} held connections closed; urad has {fds_peak_note} descriptors", flush=True)

    fds_after = rss_after = None
    if not alive(args.pid):
        stats.finding("urad is not running after the run")
    else:
        problem = healthy(target, stats)
        if problem:
            stats.finding(f"after the run: {problem}")
        settle_end = time.monotonic() + args.settle
        while True:
            fds_after = open_fds(args.pid)
            if fds_after <= fds_before + args.fd_slack or time.monotonic() > settle_end:
                break
            time.sleep(0.5)  # polling an outside process's state; no event to wait on
        if fds_after > fds_before + args.fd_slack:
            stats.finding(f"descriptors did not come back: {fds_before} before, {fds_after} {args.settle:.0f} s after the fuzz connections closed")
        rss_after = rss_mb(args.pid)
        if rss_after > 2 * rss_before + 50:
            stats.finding(f"RSS grew grossly: {rss_before:.1f} MB → {rss_after:.1f} MB")

    figures = {
        "seed": seed, "seconds": round(duration, 1), "workers": args.workers,
        "connections": stats.connections, "bytes_sent": stats.bytes_sent, "bytes_received": stats.bytes_received,
        "cases": sum(stats.cases.values()), "per_case": stats.cases, "statuses": {str(k): v for k, v in sorted(stats.statuses.items())},
        "health_checks": stats.health_checks, "health_worst_seconds": round(stats.health_worst, 2),
        "fds_before": fds_before, "fds_peak": peaks["fds"], "fds_after": fds_after,
        "rss_before_mb": round(rss_before, 1), "rss_peak_mb": round(peaks["rss"], 1),
        "rss_after_mb": None if rss_after is None else round(rss_after, 1), "findings": stats.findings,
    }
    print(json.dumps(figures, indent=1))
    if args.json:
        with open(args.json, "w") as out:
            json.dump(figures, out, indent=1)
    if stats.findings:
        print(f"socket fuzz: {len(stats.findings)} finding(s) (seed {seed})", file=sys.stderr)
        return 1
    print(f"socket fuzz: no finding in {stats.connections} connections, {sum(stats.cases.values())} cases (seed {seed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
