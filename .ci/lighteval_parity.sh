#!/usr/bin/env bash
# Parity check: lighteval 0.13.0 itself vs Quelle's german_rag harness, on a tiny Llama-3.
#
# lighteval lives in its own venv so it cannot disturb the main venv's torch/transformers.
# torch is pinned first: an unpinned torch pulls a multi-GB CUDA build.
# Usage: .ci/lighteval_parity.sh [pytest args]
# The venv (about 2 GB) lives outside the work tree so fresh clones (CI) reuse it; it is
# rebuilt when .ci/lighteval-requirements.txt changes. Override with LIGHTEVAL_VENV=DIR.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${LIGHTEVAL_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/quelle/venv-lighteval}"
PY="${PYTHON:-python3.11}"
REQ="$ROOT/.ci/lighteval-requirements.txt"
STAMP="$VENV/.quelle-requirements.sha256"

start=$(date +%s)
want="$(sha256sum "$REQ" | cut -d' ' -f1)"
if [[ ! -x "$VENV/bin/python" || "$(cat "$STAMP" 2>/dev/null)" != "$want" ]]; then
  echo "== creating $VENV"
  mkdir -p "$(dirname "$VENV")"
  "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  "$VENV/bin/python" -m pip install --quiet "torch==2.13.0"
  "$VENV/bin/python" -m pip install --quiet -r "$REQ"
  # Guard: a CUDA torch (nvidia-* wheels) means the pin above was bypassed.
  if "$VENV/bin/python" -m pip list 2>/dev/null | grep -qi '^nvidia-'; then
    echo "error: CUDA wheels were installed into $VENV" >&2
    exit 1
  fi
  echo "$want" > "$STAMP"
fi
echo "== venv ready after $(( $(date +%s) - start ))s ($(du -sh "$VENV" | cut -f1))"

cd "$ROOT"
# QUELLE_REQUIRE_LIGHTEVAL=1 turns the test's skip-if-missing into a failure.
QUELLE_REQUIRE_LIGHTEVAL=1 PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" \
  "$VENV/bin/python" -m pytest -p no:cacheprovider -q tests/integration/test_german_rag_parity.py "$@"
echo "== parity done in $(( $(date +%s) - start ))s"
