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

# Every feature a test can build. livekit-rtc cannot link here (its build downloads
# libwebrtc), so it is type-checked only: DOCS_RS=1 skips the download.
features="test-utils,openai,deepgram,elevenlabs,tavus,livekit-agent"

echo "== cargo fmt --check"
cargo fmt --all -- --check
# One type-checking pass over every target and feature, livekit-rtc included: a
# separate `cargo check` or a livekit-rtc check of one package would resolve the
# dependencies' features differently and type-check most of them again.
echo "== cargo clippy (livekit-rtc type-checked with DOCS_RS=1)"
DOCS_RS=1 cargo clippy --workspace --all-targets --features "$features,livekit-rtc" --locked -- -D warnings
echo "== cargo test"
# Benches are compiled by clippy above; running them is a separate, manual step.
# The doctests reuse the libraries the first command builds (same features).
cargo test --workspace --lib --bins --tests --examples --features "$features" --locked
cargo test --workspace --doc --features "$features" --locked
