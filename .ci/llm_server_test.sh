#!/usr/bin/env bash
# Runs the openai-backend tests against a real OpenAI-compatible server (llama-cpp-python
# serving SmolLM2-135M-Instruct GGUF on loopback). llama-cpp-python has no CPU wheel on PyPI
# and builds from source (~8.5 min on 2 cores the first time; pip's wheel cache makes later
# runs take seconds), so it lives in its own venv, apart from Quelle's: the server is a
# separate process and its dependencies (fastapi, uvicorn, ...) must not touch ours.
set -euo pipefail
cd "$(dirname "$0")/.."

LLAMACPP_VERSION="${LLAMACPP_VERSION:-0.3.36}"
LLAMA_VENV="${RAG_LLAMACPP_VENV:-$HOME/.cache/quelle/llamacpp-venv}"
PY="${PYTHON:-python3}"

if ! "$LLAMA_VENV/bin/python" -c "import llama_cpp.server" 2>/dev/null; then
  echo "== installing llama-cpp-python[server]==$LLAMACPP_VERSION into $LLAMA_VENV"
  "$PY" -m venv "$LLAMA_VENV"
  "$LLAMA_VENV/bin/python" -m pip install --quiet --upgrade pip
  start=$(date +%s)
  CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}" \
    "$LLAMA_VENV/bin/python" -m pip install "llama-cpp-python[server]==$LLAMACPP_VERSION"
  echo "== llama-cpp-python installed in $(( $(date +%s) - start )) s"
fi

if [ -f .venv/bin/activate ]; then
  # shellcheck disable=SC1091
  source .venv/bin/activate
fi
RAG_TEST_LLAMACPP=1 RAG_TEST_LLAMACPP_PYTHON="$LLAMA_VENV/bin/python" \
  python -m pytest -m server_llm tests/e2e/test_llm_openai.py "$@"
