#!/usr/bin/env bash
# The project's test command (the README's second command, and what CI runs):
# installs what the tests need, then checks formatting, lints and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

# Reuse a build directory outside the clone, so a fresh clone does not rebuild every
# dependency.
if [[ -z "${CARGO_TARGET_DIR:-}" && -n "${HOME:-}" ]] && mkdir -p "$HOME/.cache" 2>/dev/null; then
    export CARGO_TARGET_DIR="$HOME/.cache/interview-target"
fi

scripts/setup.sh --test

# Tests that need PostgreSQL create (and drop) their own database on this server.
export INTERVIEW_TEST_POSTGRES_URL="${INTERVIEW_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"

# Everything but livekit-rtc (its build downloads libwebrtc; it is type-checked below).
features="test-utils,openai,deepgram,elevenlabs,tavus,livekit-agent"

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --features "$features" --locked -- -D warnings
echo "== livekit-rtc (type-checked only: its build downloads libwebrtc, which DOCS_RS=1 skips)"
DOCS_RS=1 cargo check -p interview-voice --features livekit-rtc --locked
DOCS_RS=1 cargo clippy -p interview-voice --features livekit-rtc --locked -- -D warnings
echo "== cargo test"
# Benches are compiled by clippy above; running them is a separate, manual step.
cargo test --workspace --lib --bins --tests --examples --features "$features" --locked
cargo test --workspace --doc --features "$features" --locked
