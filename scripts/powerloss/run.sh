#!/usr/bin/env bash
# The power-loss test (docs/testing.md, "Power loss"). urad runs with its data directory on a FUSE
# file system (scripts/powerloss/fs.py) that keeps every write in memory until it is fsync'd, and
# every created, renamed or removed name until its folder is fsync'd. Under HTTPS load
# (ura-bench powerloss-load, which records each message answered 202) the power is cut at a random
# moment: urad is killed with SIGKILL and everything not synced is dropped; the file system is
# remounted and urad started again. Each round checks that every acknowledged message is stored
# (missing must be 0), none twice, nothing half-written, that urad's start-up verification of the
# ledger passes and that `ura audit` (the secretariat's, from a profile on another "machine")
# accepts the new head as an extension of the one it saw before.
# Then the same for ura's outbox: `ura send` with its profile on the FUSE file system, some sends
# to the gateway and some while it is out of reach (kept in the outbox), the power cut mid-way;
# after the remount `ura outbox` sends what was kept, and each message `ura send` reported as
# accepted or kept is at the gateway exactly once.
#
#   scripts/powerloss/run.sh [ROUNDS] [OUTBOX_ROUNDS]   (default 20 and 20; POWERLOSS_SEED fixes the randomness)
#
# Options in the environment (not URA_*: urad refuses URA_ variables it does not know):
# POWERLOSS_SEED, POWERLOSS_MESSAGES (a round's load, 1500), POWERLOSS_CONFIG (debug|release),
# POWERLOSS_VENV, POWERLOSS_KEEP=1 (keep the work folder), POWERLOSS_LYING_DISK=1 (the negative
# control: fsync keeps nothing, so the test must report acknowledged messages missing).
# POWERLOSS_PARTIAL=1: a cut keeps a random prefix of each file's unsynced writes (fs.py).
# Without /dev/fuse, fusermount or root it prints a WARNING and exits 0 (skipped, not passed).
set -eEuo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-20}
outbox_rounds=${2:-$rounds}
seed=${POWERLOSS_SEED:-$(( $(date +%s) % 32768 ))}
RANDOM=$seed

skip() { echo "WARNING: POWER-LOSS TEST SKIPPED: $1 (scripts/deps --test installs fuse3 and libfuse2; the test needs root and /dev/fuse)" >&2; exit 0; }
[[ -e /dev/fuse ]] || skip "there is no /dev/fuse"
[[ $(id -u) -eq 0 ]] || skip "not running as root (the FUSE mounts need it)"
command -v fusermount >/dev/null || skip "fusermount is not installed"
[[ -e /usr/lib/x86_64-linux-gnu/libfuse.so.2 || -n $(ldconfig -p 2>/dev/null | grep 'libfuse.so.2') ]] || skip "libfuse2 is not installed"

# fusepy (PyPI) in a virtual environment kept under .build (created once, like the dashboard test's).
venv=${POWERLOSS_VENV:-.build/powerloss-venv}
if ! "$venv/bin/python" -c "import fuse" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check fusepy
fi
python="$venv/bin/python"
fs_py=scripts/powerloss/fs.py
check_py=scripts/powerloss/check.py

config=${POWERLOSS_CONFIG:-debug}
for product in urad ura ura-bench; do swift build -c "$config" --product "$product" >/dev/null; done
bin=$(swift build -c "$config" --show-bin-path)

work=$(mktemp -d /tmp/ura-powerloss-XXXXXX)
declare -A fs_pid=()
urad_pid=""
cleanup() {
  [[ -n "$urad_pid" ]] && kill -KILL "$urad_pid" 2>/dev/null || true
  for name in "${!fs_pid[@]}"; do
    fusermount -u -z "$work/$name.mnt" 2>/dev/null || true   # fs.py then writes its tree back and exits
  done
  wait 2>/dev/null || true
  [[ -n "${POWERLOSS_KEEP:-}" ]] && { echo "kept $work" >&2; return; }
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "power loss: FAILED: $*" >&2; exit 1; }
trap 'echo "power loss: FAILED: a command failed at line $LINENO of $0" >&2' ERR

# --- the file system: mount NAME, sync NAME, cut NAME (SIGKILL first what runs on it)
mount_fs() {
  local name=$1
  mkdir -p "$work/$name.disk" "$work/$name.mnt"
  local lying=${POWERLOSS_LYING_DISK:-0} partial=${POWERLOSS_PARTIAL:-0}
  [[ $name == selftest ]] && lying=0 partial=0
  POWERLOSS_LYING_DISK=$lying POWERLOSS_PARTIAL=$partial "$python" -W ignore "$fs_py" "$work/$name.disk" "$work/$name.mnt" "$work/$name.ctl" >> "$work/$name.fs.log" 2>&1 &
  fs_pid[$name]=$!
  for _ in $(seq 300); do
    mountpoint -q "$work/$name.mnt" && [[ -S "$work/$name.ctl" ]] && return 0
    kill -0 "${fs_pid[$name]}" 2>/dev/null || { cat "$work/$name.fs.log" >&2; fail "the FUSE file system did not start"; }
    sleep 0.1
  done
  fail "the FUSE file system did not mount in 30 s"
}
fs_ctl() { "$python" "$fs_py" ctl "$work/$1.ctl" "$2" >/dev/null || fail "fs.py $2 failed"; }
cut_fs() {
  local name=$1
  fs_ctl "$name" cut
  fusermount -u -z "$work/$name.mnt"
  wait "${fs_pid[$name]}" 2>/dev/null || true
  unset "fs_pid[$name]"
}
unmount_fs() {   # clean: everything is kept
  local name=$1
  fusermount -u "$work/$name.mnt"
  wait "${fs_pid[$name]}" 2>/dev/null || true
  unset "fs_pid[$name]"
}

# --- urad on DATA: start_urad DATA LOG (sets port, admin_port), stop with SIGKILL or SIGTERM
start_urad() {
  local data=$1 log=$2
  URA_LISTEN__PORT=0 URA_ADMIN__PORT=0 URA_LOG_LEVEL=warning "$bin/urad" --demo --data-dir "$data" > "$log" 2>&1 &
  urad_pid=$!
  for _ in $(seq 1200); do
    port=$(sed -n 's/.*listening on https:\/\/[0-9.]*:\([0-9]*\).*/\1/p' "$log" 2>/dev/null | head -1 || true)
    [[ -n "$port" ]] && break
    kill -0 "$urad_pid" 2>/dev/null || { tail -20 "$log" >&2; urad_pid=""; return 1; }
    sleep 0.1
  done
  [[ -n "$port" ]] || { tail -20 "$log" >&2; return 1; }
  admin_port=$(sed -n 's/.*metrics) on http:\/\/[0-9.]*:\([0-9]*\).*/\1/p' "$log" | head -1)
}
# The ledger verification urad runs as it starts (ura_ledger_verified: 1 intact, 0 not).
ledger_verified() {
  local value=""
  for _ in $(seq 600); do
    value=$(curl -s "http://127.0.0.1:$admin_port/metrics" | awk '$1 == "ura_ledger_verified" {print $2}')
    [[ -n "$value" ]] && break
    sleep 0.1
  done
  [[ "$value" == 1 ]]
}
# The power cut for a client: its loop and the ura in flight stopped, then killed, as one process group.
kill_group() {
  kill -STOP -- "-$1" 2>/dev/null || true
  kill -KILL -- "-$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  for _ in $(seq 200); do pgrep -g "$1" >/dev/null || break; sleep 0.05; done
}
kill_urad() { [[ -n "$urad_pid" ]] && { kill -KILL "$urad_pid" 2>/dev/null || true; wait "$urad_pid" 2>/dev/null || true; }; urad_pid=""; }
stop_urad() { [[ -n "$urad_pid" ]] && { kill -TERM "$urad_pid"; wait "$urad_pid" 2>/dev/null || true; }; urad_pid=""; }

# --- 0. the file system itself: what is synced survives, what is not is gone
mount_fs selftest
"$python" - "$work/selftest.mnt" <<'PY'
import os, sys
m = sys.argv[1]
def put(path, data, sync):
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600); os.write(fd, data)
    if sync: os.fsync(fd)
    os.close(fd)
def sync_dir(path):
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY); os.fsync(fd); os.close(fd)
put(f"{m}/kept", b"kept", True); os.mkdir(f"{m}/folder"); sync_dir(m)
put(f"{m}/folder/name-not-synced", b"x", True)             # its folder is not synced: lost
put(f"{m}/data-not-synced", b"lost", False); sync_dir(m)   # name synced, data not: empty
put(f"{m}/tmp", b"renamed", True); sync_dir(m); os.rename(f"{m}/tmp", f"{m}/renamed")   # rename not synced: stays tmp
put(f"{m}/new", b"new", True)                             # created and synced, its name not: lost
with open(f"{m}/kept", "ab") as f: f.write(b" and more")   # appended, not synced: dropped
PY
cut_fs selftest
got=$(cd "$work/selftest.disk" && for f in $(find . -type f | sort); do printf '%s=%s;' "$f" "$(cat "$f")"; done)
[[ "$got" == "./data-not-synced=;./kept=kept;./tmp=renamed;" ]] || fail "the FUSE file system does not model a power cut as documented: $got"
echo "power loss: the test file system keeps synced data and names only (checked)"

# --- 1. urad under HTTPS load
mount_fs gateway
data="$work/gateway.mnt/data"
start_urad "$data" "$work/urad-setup.log" || fail "urad did not start on the FUSE file system"
stop_urad
# The demo's keys and profiles are set up once, outside the test (as `ura admin init` and
# enrolment would be); the agencies' side is copied to the real disk: another machine.
fs_ctl gateway sync
mkdir -p "$work/agencies"
cp -a "$data/ca" "$data/directory.json" "$data/agencies" "$work/agencies/"
secretariat="$work/agencies/agencies/al.mpb.secretariat/profile.json"
: > "$work/acked"
start_urad "$data" "$work/urad-0.log" || fail "urad did not start"
ledger_verified || fail "urad's ledger verification failed at the first start"
total_acked=0
for round in $(seq "$rounds"); do
  "$bin/ura" --profile "$secretariat" --gateway "https://127.0.0.1:$port" audit > "$work/audit.out" 2>&1 \
    || { cat "$work/audit.out" >&2; fail "round $round: ura audit failed before the load"; }
  "$bin/ura-bench" powerloss-load --data-dir "$work/agencies" --port "$port" --messages "${POWERLOSS_MESSAGES:-1500}" \
    --connections 16 > "$work/load-$round.out" 2> "$work/load-$round.err" &
  load_pid=$!
  for _ in $(seq 1200); do grep -q SENDING "$work/load-$round.out" 2>/dev/null && break; kill -0 $load_pid 2>/dev/null || break; sleep 0.05; done
  grep -q SENDING "$work/load-$round.out" || { cat "$work/load-$round.err" >&2; fail "round $round: the load did not start"; }
  # The power is cut at a random moment of the load: 0.2 to 2.9 s after it starts.
  sleep "$(( RANDOM % 3 )).$(( 2 + RANDOM % 8 ))"
  kill_urad
  cut_fs gateway
  wait $load_pid || true
  { grep '^ACK ' "$work/load-$round.out" || true; } | cut -d' ' -f2 >> "$work/acked"   # none: cut before the first answer
  round_acked=$(grep -c '^ACK ' "$work/load-$round.out" || true)
  mount_fs gateway
  start_urad "$data" "$work/urad-$round.log" || fail "round $round: urad did not start again after the power cut"
  ledger_verified || fail "round $round: urad's ledger verification failed after the power cut"
  "$bin/ura" --profile "$secretariat" --gateway "https://127.0.0.1:$port" audit > "$work/audit.out" 2>&1 \
    || { cat "$work/audit.out" >&2; fail "round $round: ura audit refused the head after the power cut"; }
  counts=$("$python" "$check_py" store "$data/ura.sqlite" "$work/acked") || { echo "$counts" >&2; fail "round $round: acknowledged messages lost or duplicated"; }
  total_acked=$(sort -u "$work/acked" | wc -l)
  echo "power loss, urad, round $round/$rounds: $round_acked acknowledged this round; $counts; start-up ledger verification ok; ura audit ok"
done
stop_urad
final=$("$python" "$check_py" store "$data/ura.sqlite" "$work/acked") || fail "after the last round: $final"
unmount_fs gateway
(( total_acked > 0 )) || fail "no message was acknowledged in $rounds rounds: nothing was tested"
missing=$(sed -n 's/.*missing=\([0-9]*\).*/\1/p' <<< "$final"); duplicates=$(sed -n 's/.*duplicates=\([0-9]*\).*/\1/p' <<< "$final")
echo "power loss, urad: $rounds rounds, $total_acked acknowledged messages, $missing missing, $duplicates duplicates; ledger verified by urad and ura audit after every round (seed $seed)"

# --- 2. ura's outbox: the profile on the FUSE file system, the gateway on the real disk
start_urad "$work/gw" "$work/gw-urad.log" || fail "the outbox's gateway did not start"
gateway="https://127.0.0.1:$port"
mount_fs client
mkdir -p "$work/client.mnt/ura/agencies"
cp -a "$work/gw/ca" "$work/client.mnt/ura/"
cp -a "$work/gw/agencies/al.police.dvp-tirane" "$work/client.mnt/ura/agencies/"
police="$work/client.mnt/ura/agencies/al.police.dvp-tirane/profile.json"
"$bin/ura" --profile "$police" --gateway "$gateway" directory > /dev/null || fail "ura directory failed"   # caches the directory
fs_ctl client sync
"$bin/ura" example risk.assessment > "$work/form.json"
: > "$work/reported"
for round in $(seq "$outbox_rounds"); do
  set -m   # the loop and every ura it starts in a process group of their own, killed together
  # Sends, each to the gateway or (one in three) out of reach (a closed port: kept in the outbox),
  # until the power is cut; each line of `reported` is what a finished `ura send` said.
  (
    n=0
    while :; do
      n=$((n + 1))
      # The first send of a round always finds the gateway out of reach, so every round keeps one.
      target=$gateway; (( n == 1 || RANDOM % 3 == 0 )) && target="https://127.0.0.1:1"
      out=$("$bin/ura" --profile "$police" --gateway "$target" send "$work/form.json" --type risk.assessment \
              --to al.mpb.secretariat --case AL-2026-000042 --subject adult 2>&1) || true
      if id=$(sed -n 's/^accepted \([^ ]*\) at .*/\1/p' <<< "$out") && [[ -n "$id" ]]; then echo "accepted $id" >> "$work/reported"
      elif id=$(sed -n 's/.*The message \([^ ]*\) is kept in the outbox.*/\1/p' <<< "$out") && [[ -n "$id" ]]; then echo "kept $id" >> "$work/reported"
      else echo "other $out" >> "$work/send-other.log"; fi
    done
  ) &
  sender=$!
  set +m
  sleep "$(( 1 + RANDOM % 2 )).$(( RANDOM % 10 ))"
  kill_group "$sender"
  cut_fs client
  mount_fs client
  "$bin/ura" --profile "$police" --gateway "$gateway" outbox > "$work/outbox-$round.out" 2>&1 \
    || { cat "$work/outbox-$round.out" >&2; fail "outbox round $round: ura outbox failed after the power cut"; }
  left=$("$bin/ura" --profile "$police" --gateway "$gateway" outbox --list)
  [[ "$left" == "the outbox is empty" ]] || fail "outbox round $round: still in the outbox after ura outbox: $left"
  "$python" "$check_py" ids "$work/gw/ura.sqlite" al.police.dvp-tirane | sort > "$work/at-gateway"
  cut -d' ' -f2 "$work/reported" | sort -u > "$work/reported-ids"
  o_missing=$(comm -23 "$work/reported-ids" "$work/at-gateway" | wc -l)
  o_dupes=$(uniq -d "$work/at-gateway" | wc -l)
  # A message reported accepted was removed from the outbox (synced) before ura said so: sending it
  # again would be a second submission (harmless, the id makes it idempotent, but counted).
  resent=$(sed -n 's/^already accepted \([^ ]*\) .*/\1/p' "$work/outbox-$round.out" | sort | comm -12 - <(awk '$1=="accepted"{print $2}' "$work/reported" | sort -u) | wc -l)
  kept_now=$(grep -c '^kept ' "$work/reported" || true); accepted_now=$(grep -c '^accepted ' "$work/reported" || true)
  sent_after=$(grep -c '^accepted ' "$work/outbox-$round.out" || true)
  echo "power loss, outbox, round $round/$outbox_rounds: reported so far $accepted_now accepted + $kept_now kept; ura outbox sent $sent_after after the cut; missing $o_missing, duplicates $o_dupes, accepted resent $resent"
  (( o_missing == 0 && o_dupes == 0 && resent == 0 )) || { comm -23 "$work/reported-ids" "$work/at-gateway" | head -5 >&2; fail "outbox round $round: a message ura send reported was lost or sent twice"; }
done
kept_total=$(grep -c '^kept ' "$work/reported" || true); accepted_total=$(grep -c '^accepted ' "$work/reported" || true)
(( accepted_total > 0 && kept_total > 0 )) || fail "the outbox rounds reported no accepted or no kept send (see $work/send-other.log): nothing was tested"
echo "power loss, outbox: $outbox_rounds rounds, $accepted_total sends reported accepted and $kept_total kept in the outbox, 0 missing, 0 duplicates, 0 resent (seed $seed)"

# --- 3. ura's inbox: the secretariat's profile on the FUSE file system. `ura inbox` keeps each
# message (synced) before it acknowledges it, so every message the gateway records as delivered to
# the secretariat must be in its inbox folder after the power cut, both files whole.
"$bin/ura-bench" powerloss-load --data-dir "$work/gw" --port "$port" --messages "${POWERLOSS_INBOX_MESSAGES:-600}" --connections 8 \
  > "$work/inbox-load.out" 2>&1 || { tail -5 "$work/inbox-load.out" >&2; fail "the inbox's messages could not be sent"; }
cp -a "$work/gw/agencies/al.mpb.secretariat" "$work/client.mnt/ura/agencies/"
fs_ctl client sync
reader_profile="$work/client.mnt/ura/agencies/al.mpb.secretariat/profile.json"
inbox="$work/client.mnt/ura/agencies/al.mpb.secretariat/state/inbox"
delivered_total=0
for round in $(seq "$outbox_rounds"); do
  set -m
  ( while :; do "$bin/ura" --profile "$reader_profile" --gateway "$gateway" inbox --limit 10 >> "$work/inbox-$round.out" 2>&1 || true; done ) &
  reader=$!
  set +m
  sleep "$(( 1 + RANDOM % 2 )).$(( RANDOM % 10 ))"
  kill_group "$reader"
  cut_fs client
  mount_fs client
  "$python" "$check_py" delivered "$work/gw/ura.sqlite" al.mpb.secretariat | sort > "$work/delivered"
  "$python" "$check_py" inbox "$inbox" | sort > "$work/in-inbox"
  i_missing=$(comm -23 "$work/delivered" "$work/in-inbox" | wc -l)
  delivered_total=$(wc -l < "$work/delivered")
  echo "power loss, inbox, round $round/$outbox_rounds: $delivered_total delivered to the secretariat so far, $(wc -l < "$work/in-inbox") whole in its inbox; missing $i_missing"
  (( i_missing == 0 )) || { comm -23 "$work/delivered" "$work/in-inbox" | head -5 >&2; fail "inbox round $round: a message acknowledged as delivered is not in the inbox after the power cut"; }
done
stop_urad
(( delivered_total > 0 )) || fail "no message was delivered in the inbox rounds: nothing was tested"
echo "power loss, inbox: $outbox_rounds rounds, $delivered_total messages acknowledged as delivered, 0 missing from the inbox (seed $seed)"
