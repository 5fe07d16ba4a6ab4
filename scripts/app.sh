#!/usr/bin/env bash
# Install Quelle and start the web app on the embedded default (embedded Chroma, offline models).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate
exec streamlit run ui/app.py --server.headless true --client.toolbarMode viewer "$@"
