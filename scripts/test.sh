#!/usr/bin/env bash
# Install Quelle with its test tools and run every test suite (what CI runs).
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test || exit 1
. .venv/bin/activate

# Headless Chromium (Debian) for the browser end-to-end test of the Streamlit app.
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  (apt-get update -qq && apt-get install -y -qq chromium chromium-driver fonts-dejavu-core) \
    >/dev/null 2>&1 || echo "WARN: could not install chromium"
fi

# A real `chroma run` server on loopback for the server-mode tests.
chroma_dir=$(mktemp -d)
port=$(python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
chroma run --path "$chroma_dir" --host 127.0.0.1 --port "$port" >"$chroma_dir/server.log" 2>&1 &
chroma_pid=$!
trap 'kill $chroma_pid 2>/dev/null; rm -rf "$chroma_dir"' EXIT
for _ in $(seq 1 60); do
  python -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$port/api/v2/heartbeat', timeout=1)" 2>/dev/null && break
  sleep 0.5
done
export RAG_TEST_CHROMA_HOST=127.0.0.1 RAG_TEST_CHROMA_PORT=$port

status=0
ruff check . || status=1
lint-imports || status=1
python -m pytest -q "$@" || status=1
for extra in .ci/lighteval_parity.sh .ci/llm_server_test.sh; do
  if [ -f "$extra" ]; then
    echo "== $extra"
    bash "$extra" || status=1
  fi
done
exit $status
