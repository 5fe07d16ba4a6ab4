#!/usr/bin/env bash
# Create .venv and install Quelle (idempotent). Usage: scripts/setup.sh [extra]
set -euo pipefail
cd "$(dirname "$0")/.."
extra="${1:-}"
PY="${PYTHON:-python3}"
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
