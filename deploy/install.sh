#!/usr/bin/env bash
# Builds Ura in release mode and installs it as a systemd service:
#   /usr/local/bin/{urad,ura,ura-admin} the binaries
#   /usr/local/share/ura/schemas/       the message catalogue and JSON Schemas
#   /etc/ura/urad.json                  the configuration (only if none exists yet)
#   /etc/ura/holidays-al.json           the public-holiday calendar (only if none exists yet)
#   /etc/systemd/system/ura.service     the hardened unit
#   user and group "ura", data directory /var/lib/ura (0700)
#
# Usage: sudo deploy/install.sh [--destdir DIR] [--no-build] [--no-systemd]
#   --destdir DIR   install under DIR instead of / (packaging, tests); implies --no-systemd
#   --no-build      install binaries already built in .build/release
#   --no-systemd    do not create the user, reload systemd or enable the unit
set -euo pipefail
cd "$(dirname "$0")/.."
destdir=""
build=1
systemd=1
while (($#)); do
  case "$1" in
    --destdir) destdir="${2:?--destdir needs a directory}"; systemd=0; shift 2 ;;
    --no-build) build=0; shift ;;
    --no-systemd) systemd=0; shift ;;
    *) echo "install.sh: unknown option $1" >&2; exit 64 ;;
  esac
done

if ((build)); then
  scripts/deps
  swift build -c release --product urad
  swift build -c release --product ura
  swift build -c release --product ura-admin
fi
bin=$(swift build -c release --show-bin-path)
for binary in urad ura ura-admin; do
  [[ -x "$bin/$binary" ]] || { echo "install.sh: $bin/$binary is missing; build first or drop --no-build" >&2; exit 66; }
done

install -d -m 0755 "$destdir/usr/local/bin" "$destdir/usr/local/share/ura" "$destdir/usr/local/share/doc/ura" "$destdir/etc/ura"
install -m 0755 "$bin/urad" "$bin/ura" "$bin/ura-admin" "$destdir/usr/local/bin/"
rm -rf "$destdir/usr/local/share/ura/schemas"
cp -R Schemas "$destdir/usr/local/share/ura/schemas"
chmod -R u=rwX,go=rX "$destdir/usr/local/share/ura/schemas"
install -m 0644 README.md "$destdir/usr/local/share/doc/ura/README.md"
[[ -e "$destdir/etc/ura/urad.json" ]] || install -m 0640 deploy/urad.example.json "$destdir/etc/ura/urad.json"
[[ -e "$destdir/etc/ura/holidays-al.json" ]] || install -m 0644 deploy/holidays-al.json "$destdir/etc/ura/holidays-al.json"
install -d -m 0755 "$destdir/etc/systemd/system"
install -m 0644 deploy/ura.service "$destdir/etc/systemd/system/ura.service"
# For a mission's or an office's computer: the user timer that sends what ura's outbox kept
# (each user enables it: systemctl --user enable --now ura-outbox.timer; see the service file).
install -d -m 0755 "$destdir/etc/systemd/user"
install -m 0644 deploy/user/ura-outbox.service deploy/user/ura-outbox.timer "$destdir/etc/systemd/user/"
install -d -m 0755 "$destdir/usr/share/bash-completion/completions"
"$bin/ura" completion bash > "$destdir/usr/share/bash-completion/completions/ura"

if ((systemd)); then
  if ! getent passwd ura >/dev/null; then
    useradd --system --home-dir /var/lib/ura --shell /usr/sbin/nologin --user-group ura
  fi
  install -d -m 0700 -o ura -g ura /var/lib/ura
  chgrp ura /etc/ura/urad.json
  systemctl daemon-reload
  echo "Installed. First files of a new gateway: sudo -u ura ura admin init --data-dir /var/lib/ura --gateway-id ID --gateway-name NAME --host HOSTNAME"
  echo "Then set gateway.id in /etc/ura/urad.json (see the comments in it), and: systemctl enable --now ura (docs/operations.md, \"Setting up a production gateway\")"
else
  echo "Installed under ${destdir:-/} (no user created, systemd not touched)."
fi
