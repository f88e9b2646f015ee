#!/usr/bin/env bash
# System parts the test suite drives for real: SoftHSM2 (PKCS#11 token), the xmlsec1
# command-line tool (signature interop) and Debian's Chromium (browser tests, through
# Playwright's client without its own browser download). Installs them with apt-get when run as root on
# Debian/Ubuntu; otherwise says what to install.
set -euo pipefail

declare -A wanted=(
  [softhsm2-util]=softhsm2
  [xmlsec1]=xmlsec1
  [pkcs11-tool]=opensc
  [chromium]=chromium
)
missing=()
for cmd in "${!wanted[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${wanted[$cmd]}")
done
python3 -c "import venv, ensurepip" 2>/dev/null || missing+=(python3-venv)
# WeasyPrint (the printable Mẫu 01) lays text out with Pango; DejaVu has the Vietnamese glyphs.
for package in libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
((${#missing[@]})) || exit 0

if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "Missing system packages: ${missing[*]}" >&2
  echo "Install them (e.g. sudo apt-get install ${missing[*]}) and run make again." >&2
  exit 1
fi
