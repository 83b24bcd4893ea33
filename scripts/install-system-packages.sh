#!/usr/bin/env bash
# Debian packages the tests need: Chromium for the browser tests; Pango, HarfBuzz and the DejaVu
# fonts for WeasyPrint (the board report PDF). Installs only what is missing, and only where it
# can (as root, or with sudo); otherwise says what to install.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
fc-list 2>/dev/null | grep -qi dejavu || missing+=(fonts-dejavu-core)
# WeasyPrint loads these libraries at run time (cffi); check by library name, not package, so a
# system that has them some other way is left alone.
# (The library list is read once: `grep -q` on a pipe could end the pipe early under pipefail.)
libraries=$("$(command -v ldconfig || echo /sbin/ldconfig)" -p 2>/dev/null || true)
for pair in libpango-1.0.so.0:libpango-1.0-0 libpangoft2-1.0.so.0:libpangoft2-1.0-0 \
    libharfbuzz.so.0:libharfbuzz0b; do
    grep -qF "${pair%%:*}" <<<"$libraries" || missing+=("${pair##*:}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
    echo "Not a Debian-like system: install ${missing[*]} yourself." >&2
    exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
        SUDO="sudo"
    else
        echo "Missing Debian packages: ${missing[*]} (run: sudo apt-get install ${missing[*]})." >&2
        exit 0
    fi
fi
echo "Installing Debian packages: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
