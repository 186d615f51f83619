#!/usr/bin/env bash
# Ura next to RabbitMQ, side by side in one run (issue 29's anchor).
#
# A = `ura-bench gateway`: urad in process over HTTPS with client certificates, 64 keep-alive
#     connections each waiting for its 202 before sending the next, distinct signed 4 KiB
#     messages (Ed25519 verification, schema, fsync'd group commit, signed receipt); the leg also
#     prints `openssl speed ed25519` of the same minute and the paced run at 1,000 msg/s (p99).
# B = RabbitMQ (Debian's rabbitmq-server, a private node on loopback) driven by the native
#     publisher Benchmarks/rabbitmq/publisher.c (librabbitmq): 64 threads, each with its own
#     connection and confirm-mode channel, persistent 4 KiB messages to a durable quorum queue,
#     each waiting for its confirm before publishing the next.
# The legs alternate A B A B A B; each pair prints its ratio (Ura msg/s / RabbitMQ msg/s), and the
# end prints the median ratio, the paced p99s, and the Ed25519 crypto ceiling measured right after
# (`ura-bench intake`: one verification and one signature a message at 64 workers, nothing else).
# Then, for context, one classic-queue run and one windowed run of the publisher.
#
#   Benchmarks/rabbitmq.sh --install        # once, as root: apt-get install rabbitmq-server librabbitmq-dev
#   Benchmarks/rabbitmq.sh [--pairs 3] [--seconds 12] [--connections 64] [--messages N]
#                          [--paced-seconds 10] [--window 32] [--no-extras] [--receipts per_message|per_batch|both]
#
# --receipts: how the sending agency's accepted receipts are signed in the Ura legs — per message
# (the default), per commit batch, or both (each pair then runs A as per_message, A' as per_batch,
# then B; the ratio printed is per_batch's and the per_message one is printed beside it).
# --seconds is the RabbitMQ leg's measured time (after 2 s of warm-up); --messages the Ura leg's
# closed-loop message count (default 3,000 × --seconds: about as long at this machine's 2,000–3,500
# msg/s; the Ura leg also warms up on 8,000 messages). Every port is picked free at start;
# the broker, its epmd and its files live in a temp dir and are stopped and removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

pairs=3 seconds=12 connections=64 messages="" paced=10 window=32 extras=1 install=0 receipts=per_message
while [ $# -gt 0 ]; do
    case "$1" in
        --install) install=1; shift ;;
        --pairs) pairs=$2; shift 2 ;;
        --seconds) seconds=$2; shift 2 ;;
        --connections) connections=$2; shift 2 ;;
        --messages) messages=$2; shift 2 ;;
        --paced-seconds) paced=$2; shift 2 ;;
        --window) window=$2; shift 2 ;;
        --no-extras) extras=0; shift ;;
        --receipts) receipts=$2; shift 2 ;;
        -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) echo "rabbitmq.sh: unknown option $1 (see --help)" >&2; exit 64 ;;
    esac
done
case "$receipts" in per_message|per_batch|both) ;; *) echo "rabbitmq.sh: --receipts is per_message, per_batch or both, not \"$receipts\"" >&2; exit 64 ;; esac
for n in "$pairs" "$seconds" "$connections" "$paced" "$window" ${messages:+"$messages"}; do
    case "$n" in ''|*[!0-9]*|0) echo "rabbitmq.sh: options take whole numbers above 0, not \"$n\"" >&2; exit 64 ;; esac
done
: "${messages:=$(( seconds * 3000 ))}"

rabbit=/usr/lib/rabbitmq/bin
if [ "$install" = 1 ]; then
    if [ "$(id -u)" != 0 ]; then echo "rabbitmq.sh: --install runs apt-get and needs root" >&2; exit 1; fi
    # Debian's postinst would start a system-wide broker where policy-rc.d allows it; this script
    # runs its own private node, so a system one started by the install is stopped again.
    was_running=0
    pgrep -u rabbitmq -x beam.smp >/dev/null 2>&1 && was_running=1
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends rabbitmq-server librabbitmq-dev
    if [ "$was_running" = 0 ] && pgrep -u rabbitmq -x beam.smp >/dev/null 2>&1; then
        invoke-rc.d rabbitmq-server stop >/dev/null 2>&1 || service rabbitmq-server stop >/dev/null 2>&1 || true
    fi
fi
if [ ! -x "$rabbit/rabbitmq-server" ] || [ ! -f /usr/include/amqp.h ]; then
    echo "rabbitmq.sh: rabbitmq-server or librabbitmq-dev is missing; run Benchmarks/rabbitmq.sh --install (as root)" >&2
    exit 1
fi

echo "== building ura-bench (release) and the publisher" >&2
swift build -c release --product ura-bench >/dev/null
bench=$root/.build/release/ura-bench
work=$(mktemp -d "${TMPDIR:-/tmp}/ura-rabbitmq.XXXXXX")
chmod 700 "$work"
cc -O2 -Wall -o "$work/publisher" "$root/Benchmarks/rabbitmq/publisher.c" -lrabbitmq -lpthread

# A port nobody listens on now: bound and released by the kernel (port 0), checked against ss.
free_port() {
    local p
    while :; do
        p=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null \
            || echo $(( 20000 + RANDOM % 30000 )))
        if ! ss -Htan "( sport = :$p )" | grep -q .; then echo "$p"; return; fi
    done
}

epmd_pid="" broker_started=0
cleanup() {
    set +e
    if [ "$broker_started" = 1 ]; then
        "$rabbit/rabbitmqctl" stop >/dev/null 2>&1
        [ -f "$RABBITMQ_PID_FILE" ] && kill "$(cat "$RABBITMQ_PID_FILE")" 2>/dev/null
    fi
    [ -n "$broker_pid_shell" ] && kill "$broker_pid_shell" 2>/dev/null && wait "$broker_pid_shell" 2>/dev/null
    [ -n "$epmd_pid" ] && kill "$epmd_pid" 2>/dev/null && wait "$epmd_pid" 2>/dev/null
    rm -rf "$work"
}
broker_pid_shell=""
trap cleanup EXIT
trap 'exit 130' INT TERM

# A private node: own name, files, ports and epmd, listening on 127.0.0.1 only, no plugins,
# nothing read from /etc/rabbitmq.
export HOME=$work   # the Erlang cookie
export RABBITMQ_NODENAME="urabench$$@localhost"
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_NODE_PORT=$(free_port)
export RABBITMQ_DIST_PORT=$(free_port)
export ERL_EPMD_PORT=$(free_port)
export ERL_EPMD_ADDRESS=127.0.0.1
export RABBITMQ_MNESIA_BASE=$work/mnesia
export RABBITMQ_LOG_BASE=$work/log
export RABBITMQ_PID_FILE=$work/broker.pid
export RABBITMQ_CONF_ENV_FILE=$work/rabbitmq-env.conf
export RABBITMQ_CONFIG_FILE=$work/rabbitmq.conf
export RABBITMQ_ADVANCED_CONFIG_FILE=$work/advanced.config
export RABBITMQ_ENABLED_PLUGINS_FILE=$work/enabled_plugins
export RABBITMQ_PLUGINS_EXPAND_DIR=$work/plugins-expand
# Erlang distribution (rabbitmqctl talks to the node through it) on loopback too.
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
mkdir -p "$RABBITMQ_MNESIA_BASE" "$RABBITMQ_LOG_BASE"
: > "$RABBITMQ_CONF_ENV_FILE"
printf 'listeners.tcp.default = 127.0.0.1:%s\nloopback_users.guest = true\n' "$RABBITMQ_NODE_PORT" > "$RABBITMQ_CONFIG_FILE"
echo '[].' > "$RABBITMQ_ADVANCED_CONFIG_FILE"
echo '[].' > "$RABBITMQ_ENABLED_PLUGINS_FILE"

epmd -address 127.0.0.1 -port "$ERL_EPMD_PORT" &
epmd_pid=$!
"$rabbit/rabbitmq-server" > "$work/log/startup.log" 2>&1 &
broker_pid_shell=$!
broker_started=1
# await_startup fails at once while the node has not yet registered with epmd: ask again, for up
# to two minutes (a loaded machine boots the node slowly), as long as the node is alive.
deadline=$(( SECONDS + 120 ))
until "$rabbit/rabbitmqctl" await_startup --timeout 20 >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ] || ! kill -0 "$broker_pid_shell" 2>/dev/null; then
        echo "rabbitmq.sh: the private broker did not start; its log:" >&2
        tail -n 20 "$work/log/startup.log" >&2
        exit 1
    fi
    sleep 1
done
broker_pid=$(cat "$RABBITMQ_PID_FILE")
version=$(dpkg-query -W -f '${Version}' rabbitmq-server 2>/dev/null || echo "?")
echo "== RabbitMQ $version, private node on 127.0.0.1:$RABBITMQ_NODE_PORT (epmd $ERL_EPMD_PORT), pid $broker_pid" >&2

field() { sed -n "s/.*\"$1\":\"\{0,1\}\([^\",}]*\).*/\1/p" | head -1; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

publisher() {
    "$work/publisher" --port "$RABBITMQ_NODE_PORT" --broker-pid "$broker_pid" --threads "$connections" --size 4096 \
        --seconds "$seconds" --warmup 2 "$@"
}

echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
# One Ura leg with the sender's receipts signed $1: sets $https and $pacedline.
ura_leg() {
    # The gateway suite also runs its in-process and accept-to-push phases (about 20 s more a leg);
    # only its closed-loop and paced lines are used here.
    local a
    if ! a=$("$bench" gateway --messages "$messages" --connections "$connections" --paced-seconds "$paced" --pause-seconds 2 \
             --receipts "$1" 2>"$work/ura.err"); then
        echo "rabbitmq.sh: ura-bench gateway failed:" >&2; tail -n 5 "$work/ura.err" >&2; exit 1
    fi
    https=$(grep '"case":"https-accepted-[0-9]*conn"' <<< "$a")
    pacedline=$(grep '"case":"https-accepted-1000rps"' <<< "$a")
}
main_receipts=$receipts
[ "$receipts" = both ] && main_receipts=per_batch
ratios=() cpuratios=() p99s=() uracpus=() urarates=() messageratios=()
for i in $(seq 1 "$pairs"); do
    if [ "$receipts" = both ]; then
        ura_leg per_message
        echo "A'$i ura per_message $https"
        permessage=$(field rate <<< "$https")
    fi
    ura_leg "$main_receipts"
    echo "A$i ura $main_receipts  $https"
    echo "A$i ura $main_receipts  $pacedline"
    b=$(publisher --queue-type quorum)
    echo "B$i rabbit $b"
    ura=$(field rate <<< "$https") mq=$(field rate <<< "$b")
    [ "$receipts" = both ] && messageratios+=("$(awk -v u="$permessage" -v r="$mq" 'BEGIN { printf "%.2f", u / r }')")
    ratio=$(awk -v u="$ura" -v r="$mq" 'BEGIN { printf "%.2f", u / r }')
    ucpu=$(field cpu_us_per_msg <<< "$https") mcpu=$(field cpu_us_per_msg <<< "$b")
    # On a shared machine each leg gets the share of the two cores the scheduler gives it, so the
    # CPU a message costs (all of it: server and load generator, broker and publisher) is the
    # steadier comparison: messages per CPU-second, Ura's over RabbitMQ's.
    cpuratio=$(awk -v u="$ucpu" -v r="$mcpu" 'BEGIN { printf "%.2f", r / u }')
    ratios+=("$ratio") cpuratios+=("$cpuratio") p99s+=("$(field p99_ms <<< "$pacedline")") uracpus+=("$ucpu") urarates+=("$ura")
    echo "pair $i: Ura $ura msg/s ($ucpu µs CPU/msg, $(awk -v a="$ura" -v c="$ucpu" 'BEGIN { printf "%.2f", a * c / 1e6 }') cores busy)," \
         "RabbitMQ quorum $mq msg/s ($mcpu µs CPU/msg of which broker $(field broker_cpu_us_per_msg <<< "$b"), $(awk -v a="$mq" -v c="$mcpu" 'BEGIN { printf "%.2f", a * c / 1e6 }') cores busy):" \
         "ratio $ratio, per CPU-second $cpuratio; load $(cut -d' ' -f1 /proc/loadavg)"
done

if ! intake=$("$bench" intake --concurrency 64 --messages 8000 2>"$work/ura.err"); then
    echo "rabbitmq.sh: ura-bench intake failed:" >&2; tail -n 5 "$work/ura.err" >&2; exit 1
fi
ceiling=$(grep '"case":"crypto-ceiling-c64"' <<< "$intake")
echo "ceiling $ceiling"
if [ "$extras" = 1 ]; then
    echo "extra  $(publisher --queue-type classic)"
    echo "extra  $(publisher --queue-type quorum --window "$window")"
fi

echo "== median ratio Ura ($main_receipts receipts)/RabbitMQ quorum over $pairs pairs: $(printf '%s\n' "${ratios[@]}" | median) (pairs: ${ratios[*]})"
if [ "$receipts" = both ]; then
    echo "== with receipts signed per message, the same pairs: median $(printf '%s\n' "${messageratios[@]}" | median) (pairs: ${messageratios[*]})"
fi
echo "== median ratio of messages per CPU-second: $(printf '%s\n' "${cpuratios[@]}" | median) (pairs: ${cpuratios[*]})"
ceilingrate=$(field rate <<< "$ceiling") ceilingcpu=$(field cpu_us_per_msg <<< "$ceiling")
median_ura=$(printf '%s\n' "${urarates[@]}" | median) median_cpu=$(printf '%s\n' "${uracpus[@]}" | median)
echo "== crypto ceiling right after (verify + sign, 64 workers, nothing else): $ceilingrate msg/s at $ceilingcpu µs CPU/msg;" \
     "Ura's median $median_ura msg/s is $(awk -v a="$median_ura" -v c="$ceilingrate" 'BEGIN { printf "%.0f%%", 100 * a / c }') of it," \
     "and the crypto is $(awk -v a="$ceilingcpu" -v c="$median_cpu" 'BEGIN { printf "%.0f%%", 100 * a / c }') of Ura's median $median_cpu µs CPU/msg"
if [ "$main_receipts" = per_batch ]; then
    # Per batch, a message costs one Ed25519 verification (the batch's one signature is shared):
    # the ceiling is what the two cores verify, by `openssl speed` in the last Ura leg.
    verify=$(field openssl_ed25519_verify_per_s <<< "$https")
    echo "== receipts per batch: one verification a message; 2 cores × $verify verifications/s = $(( 2 * verify )) msg/s;" \
         "Ura's median $median_ura msg/s is $(awk -v a="$median_ura" -v c="$verify" 'BEGIN { printf "%.0f%%", 100 * a / (2 * c) }') of it"
fi
echo "== Ura paced at 1,000 msg/s for $paced s, p99 ms per leg: ${p99s[*]} (median $(printf '%s\n' "${p99s[@]}" | median))"
echo "== load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
