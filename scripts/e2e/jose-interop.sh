#!/usr/bin/env bash
# JOSE interoperability with an independent implementation (Python's jwcrypto, from PyPI, in a
# throwaway virtual environment): jwcrypto verifies and decrypts what Ura signs and encrypts to
# three recipients, and Ura verifies and decrypts what jwcrypto produces with Ura's algorithms.
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check jwcrypto
py="$work/venv/bin/python"
swift build --product ura-bench >/dev/null
bench="$(swift build --show-bin-path)/ura-bench"
keys="$work/keys"
mkdir -m 700 "$keys"
"$bench" jose-interop keys "$keys"
printf '{"type":"return.found-abroad","case":"AL-2026-000042","note":"interop çë"}' > "$keys/payload.json"
head -c 5000 /dev/urandom | base64 > "$keys/plaintext.txt"

# Ura → jwcrypto
for k in ed25519 p256-sig; do "$bench" jose-interop sign "$keys/$k.jwk" "$keys/payload.json" > "$keys/ours-$k.jws"; done
"$bench" jose-interop encrypt "$keys/plaintext.txt" "$keys/x25519.jwk" "$keys/p256.jwk" "$keys/p384.jwk" > "$keys/ours.jwe"
"$py" Tests/interop/jwcrypto_check.py verify-ours "$keys"

# jwcrypto → Ura
"$py" Tests/interop/jwcrypto_check.py make-theirs "$keys"
for k in ed25519 p256-sig; do
  "$bench" jose-interop verify "$keys/$k.jwk" "$keys/theirs-$k.jws" | cmp -s - "$keys/payload.json"
  echo "Ura verified jwcrypto's signature ($k)"
done
for k in x25519 p256 p384; do
  "$bench" jose-interop decrypt "$keys/$k.jwk" "$keys/theirs.jwe" | cmp -s - "$keys/plaintext.txt"
  echo "Ura decrypted jwcrypto's 3-recipient JWE with the $k key"
done
# A tampered JWE must fail on the Ura side.
sed 's/"tag": *"\(.\)/"tag":"A\1/' "$keys/theirs.jwe" > "$keys/tampered.jwe"
if "$bench" jose-interop decrypt "$keys/x25519.jwk" "$keys/tampered.jwe" >/dev/null 2>&1; then
  echo "a tampered JWE decrypted" >&2; exit 1
fi
echo "JOSE interop with jwcrypto: all checks passed"
