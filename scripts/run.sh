#!/usr/bin/env bash
# The README's first command: installs what the application needs (idempotently),
# then runs it with embedded defaults. Extra arguments go to the example.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec cargo run --example full_stack -- "$@"
