#!/usr/bin/env bash
# The module layout holds (docs/architecture.md): every library target builds alone, and `ura`, which
# a consular officer runs on a laptop, links neither SQLite, libpq nor the gateway's store, core, API or daemon.
# (It does carry UraHTTPServer since `ura desk`: the desk serves its page on 127.0.0.1 with it.)
set -euo pipefail
cd "$(dirname "$0")/../.."
targets=(UraBasics UraJSON UraModel UraSchema UraCrypto UraProtocol UraHTTPCore UraHTTPServer UraHTTPClient UraStore UraStoreSQLite
         UraGatewayCore UraGatewayAPI UraDaemon UraClient UraProvisioning UraDesk UraCLI UraFederation UraStorePostgres)
for t in "${targets[@]}"; do
  swift build --target "$t" --explicit-target-dependency-import-check=error -q || { echo "layout: $t does not build alone" >&2; exit 1; }
done
swift build --product ura -q
ura="$(swift build --show-bin-path)/ura"
failed=0
if ldd "$ura" | grep -q libsqlite3; then echo "layout: ura links libsqlite3" >&2; failed=1; fi
if ldd "$ura" | grep -q libpq; then echo "layout: ura links libpq" >&2; failed=1; fi
# Swift mangles a module's name into its symbols: none of the server side's may be in ura.
for module in UraStoreSQLite UraStore UraGatewayCore UraGatewayAPI UraDaemon UraFederation UraStorePostgres; do
  count=$(nm "$ura" | grep -c "${#module}${module}" || true)
  if (( count > 0 )); then echo "layout: ura carries $count symbols of $module" >&2; failed=1; fi
done
# The check must be able to fail: urad carries the gateway.
(( $(nm "$(swift build --show-bin-path)/urad" 2>/dev/null | grep -c "14UraGatewayCore" || true) > 0 )) \
  || { swift build --product urad -q; (( $(nm "$(swift build --show-bin-path)/urad" | grep -c "14UraGatewayCore") > 0 )); } \
  || { echo "layout: the symbol check finds nothing even in urad; it tests nothing" >&2; failed=1; }
(( failed == 0 )) && echo "layout: ${#targets[@]} library targets build alone; ura links no SQLite, store or gateway"
exit $failed
