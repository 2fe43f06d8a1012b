#!/usr/bin/env bash
# Install the Debian packages foiasearch uses, when they are missing.
#   scripts/system-deps.sh demo   python3-venv, poppler-utils, tesseract-ocr (OCR of scanned pages)
#   scripts/system-deps.sh test   the above plus chromium (browser tests) and recollcmd (bench/relevance.py)
# Needs root or sudo; without either it says what to install and carries on,
# since foiasearch itself runs without them (scanned pages are then marked "needs OCR").
set -euo pipefail
want=()
python3 -c "import ensurepip, venv" 2>/dev/null || want+=(python3-venv)
command -v pdftoppm >/dev/null || want+=(poppler-utils)
command -v tesseract >/dev/null || want+=(tesseract-ocr tesseract-ocr-eng)
if [ "${1:-demo}" = "test" ]; then
  command -v chromium >/dev/null || want+=(chromium)
  fc-list 2>/dev/null | grep -qi dejavu || want+=(fonts-dejavu-core)
  command -v recollq >/dev/null || want+=(recollcmd)
  # PostgreSQL backend tests start their own throwaway clusters (tests/pgcluster.py).
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || want+=(postgresql)
fi
[ ${#want[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else
  echo "foiasearch: please install these Debian packages: ${want[*]}" >&2; exit 0
fi
echo "Installing Debian packages: ${want[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null
