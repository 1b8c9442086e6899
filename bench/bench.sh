#!/usr/bin/env bash
# `npm run bench [-- --quick]`: raises the open-file limit (every socket is a file, on both ends)
# as far as this machine allows, then runs the orchestrator.
set -euo pipefail
cd "$(dirname "$0")/.."
hard=$(ulimit -Hn)
if [ "$hard" = "unlimited" ]; then ulimit -n 1048576 2>/dev/null || ulimit -n 65536; else ulimit -n "$hard"; fi
exec node --import tsx bench/run.ts "$@"
