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

# The API contract: the reference server (examples/full_stack.rs, embedded defaults,
# SQLite in a throw-away data directory) is checked against its own
# GET /api/openapi.json by schemathesis: no 5xx, and every answer's status, content
# type, headers and body as the document says, for the candidate API and for
# /api/v1 with the admin token; /api/v1 refuses requests without it, and a method a
# path does not take is a 405 with the right Allow. The erase route only ever erases bookings this run
# made in its own data directory (one booked for it alone: see below), and the admin
# token cannot be revoked, so no operation takes away what the others need.
echo "== API contract (schemathesis)"
schemathesis="${INTERVIEW_TOOLS_DIR:-${HOME:-/root}/.cache/interview-tools}/venv/bin/schemathesis"
# The same selection as the tests above, so the example is already built.
cargo build --workspace --examples --features "$features" --locked
server_bin="${CARGO_TARGET_DIR:-target}/debug/examples/full_stack"
contract_dir=$(mktemp -d)
server_pid=""
stop_server() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$contract_dir"
}
trap stop_server EXIT

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
port=$(free_port)
ops_port=$(free_port)
while [[ "$ops_port" == "$port" ]]; do ops_port=$(free_port); done
base="http://127.0.0.1:$port"
admin_token=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')

# Only what this run sets: no DATABASE_URL, LiveKit or vendor keys from the caller's
# environment. The rate limits are off so that the run reaches the handlers (their
# 429 is documented and checked by the Rust tests).
env -i PATH="$PATH" HOME="${HOME:-/root}" RUST_LOG="warn" \
    BIND_ADDRESS="127.0.0.1:$port" OPS_BIND_ADDRESS="127.0.0.1:$ops_port" \
    PUBLIC_BASE_URL="$base" DATA_DIR="$contract_dir/data" ADMIN_API_TOKEN="$admin_token" \
    RATE_LIMIT_UPLOADS=off RATE_LIMIT_BOOKINGS=off RATE_LIMIT_INTERVIEWS=off RATE_LIMIT_PAGES=off \
    INVITATIONS_PER_ADDRESS=off WEBHOOK_TIMEOUT_SECS=2 \
    "$server_bin" >"$contract_dir/server.log" 2>&1 &
server_pid=$!

deadline=$((SECONDS + 60))
until curl -fsS -o /dev/null "$base/healthz" 2>/dev/null; do
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "the reference server stopped before it answered /healthz:" >&2
        cat "$contract_dir/server.log" >&2
        exit 1
    fi
    if ((SECONDS >= deadline)); then
        echo "the reference server did not answer /healthz within 60 s:" >&2
        cat "$contract_dir/server.log" >&2
        exit 1
    fi
    sleep 0.5
done

# Two real interviews, so that the operations on one get past the 404 of a random
# token: one to read, cancel and move, and one of its own for the erase route.
book() {
    local when
    when=$(python3 -c 'import datetime as d; print((d.datetime.now(d.timezone.utc) + d.timedelta(days=2)).strftime("%Y-%m-%dT10:00:00Z"))')
    curl -fsS -H 'Content-Type: application/json' \
        -d "{\"name\": \"Contract Check\", \"email\": \"contract-$1@example.com\", \"phone\": \"+15551234567\", \"datetime\": \"$when\"}" \
        "$base/api/schedule-interview" \
        | python3 -c 'import json, sys; print(json.load(sys.stdin)["interviewUrl"].rsplit("/", 1)[1])'
}
if ! kept_token=$(book kept) || ! erased_token=$(book erased); then
    echo "the reference server did not book the contract run's interviews:" >&2
    tail -n 50 "$contract_dir/server.log" >&2
    exit 1
fi
# Two webhook endpoints, likewise: one for the operations on an endpoint, one of
# its own for the delete route. They point at a closed port of this machine.
webhook() {
    curl -fsS -H 'Content-Type: application/json' -H "Authorization: Bearer $admin_token" \
        -d "{\"url\": \"http://127.0.0.1:9/$1\", \"events\": [\"booking.cancelled\"]}" \
        "$base/api/v1/webhooks" \
        | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])'
}
if ! kept_webhook=$(webhook kept) || ! deleted_webhook=$(webhook deleted); then
    echo "the reference server did not create the contract run's webhook endpoints:" >&2
    tail -n 50 "$contract_dir/server.log" >&2
    exit 1
fi
cat >"$contract_dir/schemathesis.toml" <<TOML
# Nothing of the run is kept in the clone.
[cache]
directory = "$contract_dir/cache"

[parameters]
"path.token" = "$kept_token"

[[operations]]
include-operation-id = "erase_interview"
parameters = { "path.token" = "$erased_token" }

[[operations]]
include-operation-id = "delete_webhook"
parameters = { "path.id" = "$deleted_webhook" }
TOML
for operation in read_webhook update_webhook rotate_webhook_secret list_webhook_deliveries; do
    cat >>"$contract_dir/schemathesis.toml" <<TOML

[[operations]]
include-operation-id = "$operation"
parameters = { "path.id" = "$kept_webhook" }
TOML
done

if ! "$schemathesis" --config-file "$contract_dir/schemathesis.toml" run "$base/api/openapi.json" \
    --url "$base" \
    --header "Authorization: Bearer $admin_token" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,ignored_auth,unsupported_method,allow_header_conformance \
    --phases examples,coverage,fuzzing \
    --max-examples 100 \
    --workers 2 \
    --request-timeout 10 \
    --seed 17 \
    --output-sanitize true \
    --report-dir "$contract_dir/report"; then
    echo "schemathesis found answers that break the contract; the server's log:" >&2
    tail -n 200 "$contract_dir/server.log" >&2
    exit 1
fi
