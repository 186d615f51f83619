#!/usr/bin/env bash
# Memory of idle mTLS connections (docs/benchmarks.md, "Idle connections"): starts a demo urad on
# a free port, then four rounds of — open N mTLS connections (each makes one request and then stays
# open, idle), read urad's RSS, close them all, read it again (after 1 s and 5 s). Prints VmRSS in MB
# at each step.
#
#   Benchmarks/idle-connections.sh [N=1000] [ROUNDS=4]     URAD=path/to/urad to measure another build
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000}; ROUNDS=${2:-4}
URAD=${URAD:-$(swift build -c release --product urad >/dev/null && swift build -c release --show-bin-path)/urad}
work=$(mktemp -d); trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
ulimit -n "$(ulimit -Hn)"
URA_LISTEN__PORT=0 URA_ADMIN__PORT=0 URA_LOG_LEVEL=warning "$URAD" --demo --data-dir "$work/data" >"$work/log" 2>&1 &
pid=$!
for _ in $(seq 200); do grep -q "listening on https://" "$work/log" && break; sleep 0.1; done
port=$(grep -o 'listening on https://127.0.0.1:[0-9]*' "$work/log" | grep -o '[0-9]*$')
agency="$work/data/agencies/al.mpb.secretariat"
echo "urad $URAD (pid $pid) on port $port; $N connections, $ROUNDS rounds"
python3 - "$pid" "$port" "$N" "$ROUNDS" "$work/data/ca/ca.crt" "$agency/tls.crt" "$agency/tls.key" <<'PY'
import socket, ssl, sys, time
pid, port, n, rounds, ca, cert, key = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), *sys.argv[5:]
def rss():
    time.sleep(1)  # let the loops finish what the last connection started
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"): return int(line.split()[1]) / 1024
context = ssl.create_default_context(cafile=ca)
context.load_cert_chain(cert, key)
context.check_hostname = False
print(f"idle, before any connection: {rss():.1f} MB")
for round in range(1, rounds + 1):
    connections = []
    for _ in range(n):
        s = context.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="localhost")
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        head = s.recv(4096)
        assert head.startswith(b"HTTP/1.1 "), head[:40]
        connections.append(s)
    during = rss()
    for s in connections: s.close()
    after = rss()
    time.sleep(4)  # urad trims freed memory once a burst of closes has settled (MemoryTrimmer)
    later = rss()
    print(f"round {round}: with {n} idle connections {during:.1f} MB, after they close {after:.1f} MB (1 s), {later:.1f} MB (5 s)")
PY
