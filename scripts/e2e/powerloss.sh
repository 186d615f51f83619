#!/usr/bin/env bash
# The power-loss test, bounded: 3 rounds of urad under HTTPS load and 3 of ura's outbox, each with
# a power cut on the FUSE file system of scripts/powerloss/fs.py (scripts/powerloss/run.sh; about
# 25 to 90 s on the debug build, by the machine's load). The long mode, 20 rounds each, whose figures docs/security.md
# records: POWERLOSS_ROUNDS=20 scripts/test, or scripts/powerloss/run.sh 20.
# Without FUSE (no /dev/fuse, not root) it prints a WARNING and is skipped, not failed.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec scripts/powerloss/run.sh "${POWERLOSS_ROUNDS:-3}" "${POWERLOSS_ROUNDS:-3}"
