#!/usr/bin/env bash
# The raw-socket fuzzer (scripts/fuzz-socket/fuzz.py) against a real urad in demo mode on a free
# port for SOCKET_FUZZ_SECONDS (default 60): malformed and cut TLS records and handshakes,
# hostile HTTP heads over mTLS, pipelining, slow and fast senders, clients that never read, stalls.
# Fails when urad dies or logs an error, a healthy mTLS client waits more than 30 s or gets a wrong
# answer, a well-formed request gets a 5xx, urad's descriptors do not come back to their starting
# level after the fuzz connections close, or its RSS grows grossly. The header, body and idle
# timeouts are shortened so stalled connections are closed within the run. SOCKET_FUZZ_SEED
# replays a seed; URAD=path fuzzes another build.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/e2e/lib/demo-urad.sh
if [[ -z "${URAD:-}" ]]; then
  swift build --product urad >/dev/null
  URAD="$(swift build --show-bin-path)/urad"
fi

start_demo_urad "$URAD" URA_INBOX__MAX_WAIT_SECONDS=1 \
  URA_HTTP__HEADER_TIMEOUT_SECONDS=2 URA_HTTP__BODY_TIMEOUT_SECONDS=3 URA_HTTP__IDLE_TIMEOUT_SECONDS=3 \
  URA_HTTP__UNVERIFIED_IDLE_TIMEOUT_SECONDS=2
agency="$work/data/agencies/al.mpb.secretariat"

seed_option=()
[[ -n "${SOCKET_FUZZ_SEED:-}" ]] && seed_option=(--seed "$SOCKET_FUZZ_SEED")
status=0
python3 scripts/fuzz-socket/fuzz.py --port "$port" --pid "$urad_pid" --ca "$work/data/ca/ca.crt" \
  --cert "$agency/tls.crt" --key "$agency/tls.key" --seconds "${SOCKET_FUZZ_SECONDS:-60}" \
  "${seed_option[@]}" ${SOCKET_FUZZ_JSON:+--json "$SOCKET_FUZZ_JSON"} > "$work/fuzz.log" 2>&1 || status=$?
if [[ $status -ne 0 ]]; then
  cat "$work/fuzz.log" >&2
  echo "socket fuzz: findings (above); urad's last log lines:" >&2
  tail -20 "$work/urad.err" >&2
  exit 1
fi
grep -E '^(socket fuzz|before|fuzzing done)|"(connections|cases|fds_|rss_|health_worst)' "$work/fuzz.log"
kill -0 "$urad_pid" || { echo "urad died during the run:" >&2; tail -20 "$work/urad.err" >&2; exit 1; }
if grep -q '"level":"error"' "$work/urad.err"; then
  echo "urad logged errors during the run:" >&2; grep '"level":"error"' "$work/urad.err" | head -20 >&2; exit 1
fi
echo "socket fuzz: urad stayed up, answered, and gave back its descriptors"
