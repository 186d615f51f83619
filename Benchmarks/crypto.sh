#!/usr/bin/env bash
# UraCrypto next to OpenSSL's own speed, in the same run, single-threaded on both sides.
# Prints both and the ratios; docs/benchmarks.md records a run.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product ura-bench >/dev/null
bench="$(swift build -c release --show-bin-path)/ura-bench"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(openssl version)"
ours=$("$bench" crypto 3)
echo "$ours"
speed=$(openssl speed -seconds 3 ed25519 ecdsap256 ecdhx25519 ecdhp256 2>/dev/null)
echo "$speed" | grep -E "EdDSA|ecdsa|ecdh|sign|op" | grep -v "^Doing" || true
rate() { echo "$ours" | grep "\"$1\"" | sed 's/.*"rate":\([0-9]*\).*/\1/'; }
ed_verify=$(echo "$speed" | awk '/253 bits EdDSA/ {print $NF}')
ed_sign=$(echo "$speed" | awk '/253 bits EdDSA/ {print $(NF-1)}')
p_verify=$(echo "$speed" | awk '/256 bits ecdsa \(nistp256\)/ {print $NF}')
p_sign=$(echo "$speed" | awk '/256 bits ecdsa \(nistp256\)/ {print $(NF-1)}')
x_ecdh=$(echo "$speed" | awk '/253 bits ecdh \(X25519\)/ {print $NF}')
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f%%", 100 * a / b }'; }
echo "JWS verify EdDSA: $(rate jws-verify-EdDSA)/s vs openssl $ed_verify/s = $(ratio "$(rate jws-verify-EdDSA)" "$ed_verify")"
echo "JWS sign   EdDSA: $(rate jws-sign-EdDSA)/s vs openssl $ed_sign/s = $(ratio "$(rate jws-sign-EdDSA)" "$ed_sign")"
echo "JWS verify ES256: $(rate jws-verify-ES256)/s vs openssl $p_verify/s = $(ratio "$(rate jws-verify-ES256)" "$p_verify")"
echo "JWS sign   ES256: $(rate jws-sign-ES256)/s vs openssl $p_sign/s = $(ratio "$(rate jws-sign-ES256)" "$p_sign")"
echo "JWE encrypt 4 KiB to 3 X25519 recipients: $(rate jwe-encrypt-4KiB-3-recipients-X25519)/s (each needs 3 key generations + 3 X25519; openssl X25519 derive $x_ecdh/s)"
