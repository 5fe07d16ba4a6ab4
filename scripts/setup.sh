#!/usr/bin/env bash
# Create .venv and install Quelle (idempotent). Usage: scripts/setup.sh [extra]
set -euo pipefail
cd "$(dirname "$0")/.."
extra="${1:-}"
PY="${PYTHON:-python3}"
# OCR of scanned PDFs and images needs Tesseract with German and English language data
# (Debian packages); as root it is installed, otherwise we say how.
have_ocr() {
  command -v tesseract >/dev/null 2>&1 && langs="$(tesseract --list-langs 2>/dev/null)" \
    && grep -qx deu <<<"$langs" && grep -qx eng <<<"$langs"
}
if ! have_ocr; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        tesseract-ocr tesseract-ocr-deu tesseract-ocr-eng >/dev/null; }; then
      echo "Warnung: Tesseract (OCR) konnte nicht installiert werden; Scans werden abgelehnt." >&2
    fi
  else
    echo "Hinweis: Texterkennung (OCR) für gescannte PDFs und Bilder fehlt. Einschalten mit:" >&2
    echo "  sudo apt-get install tesseract-ocr tesseract-ocr-deu tesseract-ocr-eng" >&2
    echo "Ohne sie werden Scans mit einer Meldung abgelehnt; alles andere funktioniert." >&2
  fi
fi
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
. .venv/bin/activate
python -m pip install --quiet --upgrade pip
# torch first and pinned: this version is the CPU wheel; an open range pulls a CUDA build.
python -m pip install --quiet "torch==2.13.0"
if [ -n "$extra" ]; then
  python -m pip install --quiet -e ".[$extra]"
else
  python -m pip install --quiet -e .
fi
