#!/usr/bin/env bash
# Installs what the project needs beyond the Rust toolchain, idempotently: each step
# checks first and does nothing when the machine already has it.
#
#   scripts/setup.sh          what `cargo run --example full_stack` needs (espeak-ng)
#   scripts/setup.sh --test   also what the tests need (a running PostgreSQL, headless Chromium,
#                             schemathesis for the API contract run, icalendar for
#                             calendar files, standardwebhooks for webhook signatures)
#   scripts/setup.sh --bench  also what the benchmarks compare against (poppler's pdftotext)
set -euo pipefail

want_test=false
want_bench=false
for arg in "$@"; do
    case "$arg" in
        --test) want_test=true ;;
        --bench) want_bench=true ;;
    esac
done

log() { printf 'setup: %s\n' "$*" >&2; }

as_root() {
    if [[ $(id -u) -eq 0 ]]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        log "need root to run: $*"; return 1
    fi
}

apt_updated=false
# Installs Debian packages that are not installed yet.
apt_install() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [[ ${#missing[@]} -eq 0 ]] && return 0
    if ! command -v apt-get >/dev/null; then
        log "please install: ${missing[*]} (no apt-get on this machine)"
        return 1
    fi
    if [[ $apt_updated == false ]]; then
        as_root apt-get update -qq
        apt_updated=true
    fi
    log "installing ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# PostgreSQL on 127.0.0.1:5432, reachable as user postgres without a password.
ensure_postgres() {
    if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
        return 0
    fi
    if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
        apt_install postgresql postgresql-client
    fi
    local version
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    local hba="/etc/postgresql/$version/main/pg_hba.conf"
    # Tests connect over TCP as postgres without a password: trust local loopback only.
    if ! grep -qE '^host\s+all\s+all\s+127\.0\.0\.1/32\s+trust' "$hba"; then
        log "allowing passwordless connections from 127.0.0.1 in $hba"
        as_root sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
    fi
    log "starting PostgreSQL $version"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null \
        || as_root pg_ctlcluster "$version" main start
    for _ in $(seq 1 60); do
        pg_isready -q -h 127.0.0.1 -p 5432 && return 0
        sleep 0.5
    done
    log "PostgreSQL did not become ready on 127.0.0.1:5432"
    return 1
}

# The version of schemathesis (PyPI) that scripts/test.sh runs against the API's
# OpenAPI document; pinned so a new release cannot change what the run checks.
SCHEMATHESIS_VERSION=4.32.5
# The version of icalendar (PyPI) that reads the invitations' calendar files in
# interview-web's notify tests (tests/notify/check_ics.py): an independent parser.
ICALENDAR_VERSION=7.3.0
# The version of standardwebhooks (PyPI), the Standard Webhooks reference library
# that verifies the signatures of the events sent to the HR platform in tests.
STANDARDWEBHOOKS_VERSION=1.0.0
# Where they live: a virtual environment of their own, outside the clone
# (scripts/test.sh and the tests look in the same place).
tools_dir="${INTERVIEW_TOOLS_DIR:-${HOME:-/root}/.cache/interview-tools}"

# The Python virtual environment in $tools_dir/venv.
ensure_tools_venv() {
    local venv="$tools_dir/venv"
    if [[ -x "$venv/bin/pip" ]]; then
        return 0
    fi
    if ! command -v python3 >/dev/null; then
        apt_install python3
    fi
    # Debian's python3 needs python3-venv for `python3 -m venv`.
    if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
        apt_install python3-venv
    fi
    log "creating a Python virtual environment in $venv"
    mkdir -p "$tools_dir"
    python3 -m venv "$venv"
}

# The PyPI package $1 at version $2 in $tools_dir/venv, unless the venv's python
# already reports that version of the distribution.
ensure_python_package() {
    local package=$1 version=$2 venv="$tools_dir/venv"
    if [[ -x "$venv/bin/python" ]] \
        && [[ "$("$venv/bin/python" -c 'import sys
from importlib.metadata import version
print(version(sys.argv[1]))' "$package" 2>/dev/null)" == "$version" ]]; then
        return 0
    fi
    ensure_tools_venv
    log "installing $package $version in $venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "$package==$version"
}

# The offline voice of the zero-configuration interviewer.
apt_install espeak-ng

if [[ $want_test == true ]]; then
    ensure_postgres
    # The browser tests drive Debian's Chromium over the DevTools protocol; a font
    # package keeps text rendering (and screenshots) readable.
    apt_install chromium fonts-dejavu-core
    # scripts/test.sh checks the running server against GET /api/openapi.json.
    ensure_python_package schemathesis "$SCHEMATHESIS_VERSION"
    # The notify and browser tests read calendar files with an independent parser.
    ensure_python_package icalendar "$ICALENDAR_VERSION"
    # The platform webhook tests verify signatures with the reference library.
    ensure_python_package standardwebhooks "$STANDARDWEBHOOKS_VERSION"
fi

# benches/extraction.rs measures our PDF extraction against pdftotext.
if [[ $want_bench == true ]]; then
    apt_install poppler-utils
fi
