#!/usr/bin/env bash
# Build the docs site offline into _docs/ (doc_path in settings.ini): nbdev's notebook processing, then Sphinx +
# myst-nb + sphinx-book-theme. No Quarto. The same command runs in .ci/run (through .ci/docs_check.py) and in
# .github/workflows/deploy.yaml. Details: .ci/docs/build.py.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python .ci/docs/build.py "$@"
