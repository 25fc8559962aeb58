#!/usr/bin/env bash
# System packages some tests need (a real D-Bus session bus for notifications; openssl
# makes the certificate a TLS test serves; sqlite3 runs the recovery `doctor` prints).
# Installs them only where that is safe to do unasked: as root with apt-get (CI, containers).
set -euo pipefail
need=()
command -v dbus-daemon >/dev/null 2>&1 || need+=(dbus)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v sqlite3 >/dev/null 2>&1 || need+=(sqlite3)
((${#need[@]})) || exit 0
if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
else
  echo "note: install ${need[*]} for the notification, TLS and recovery tests (they skip without it, outside CI)" >&2
fi
