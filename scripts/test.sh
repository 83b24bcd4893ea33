#!/usr/bin/env bash
# The whole test suite: lint, types, migrations, translations, then pytest on SQLite and on
# PostgreSQL. PostgreSQL is used when SCHILDWACHT_TEST_POSTGRES_URL is set or a server answers
# on 127.0.0.1:5432; in CI (CI=true) it is required.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${1:-.venv}"
BIN="$VENV/bin"
start=$(date +%s)

bash scripts/install-system-packages.sh

export SCHILDWACHT_SECRET_KEY="test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
export SCHILDWACHT_ENCRYPTION_KEY="dGVzdC1lbmNyeXB0aW9uLWtleS0wMTIzNDU2Nzg5YWI="
HOME_DIR=$(mktemp -d)
trap 'rm -rf "$HOME_DIR"' EXIT
# mypy's Django plugin loads the settings too.
export SCHILDWACHT_HOME="$HOME_DIR/check"

echo "== ruff"
"$BIN/ruff" check src tests bench
"$BIN/ruff" format --check src tests bench
echo "== mypy"
"$BIN/mypy"


echo "== migrations"
SCHILDWACHT_HOME="$HOME_DIR/check" "$BIN/schildwacht" makemigrations --check --dry-run

pg_url="${SCHILDWACHT_TEST_POSTGRES_URL:-}"
if [ -z "$pg_url" ] && (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then
    pg_url="postgres://postgres@127.0.0.1:5432/schildwacht"
fi
if [ -z "$pg_url" ] && [ "${CI:-}" = "true" ]; then
    echo "CI needs PostgreSQL: none answers on 127.0.0.1:5432." >&2
    exit 1
fi

if [ -n "$pg_url" ]; then
    # The two runs share nothing (own data folder, own database), so they run side by side:
    # on two cores the suite takes about as long as the slower of the two.
    echo "== pytest (SQLite and PostgreSQL side by side)"
    mkdir -p "$HOME_DIR/sqlite" "$HOME_DIR/postgres"
    SCHILDWACHT_HOME="$HOME_DIR/sqlite" SCHILDWACHT_SCREENSHOTS="$HOME_DIR/sqlite" \
        "$BIN/pytest" -q >"$HOME_DIR/sqlite.log" 2>&1 &
    sqlite_pid=$!
    # Tests that use no database gain nothing from a second run, and the browser tests drive
    # pages whose database work the view and service tests cover on PostgreSQL too: both run
    # in the SQLite pass only, which keeps the suite well inside CI's time.
    SCHILDWACHT_HOME="$HOME_DIR/postgres" SCHILDWACHT_SCREENSHOTS="$HOME_DIR/postgres" \
        SCHILDWACHT_DATABASE_URL="$pg_url" "$BIN/pytest" -q -m "not dbless and not browser" \
        >"$HOME_DIR/postgres.log" 2>&1 &
    postgres_pid=$!
    failed=0
    wait "$sqlite_pid" || failed=1
    echo "== pytest (SQLite)"
    cat "$HOME_DIR/sqlite.log"
    wait "$postgres_pid" || failed=1
    echo "== pytest (PostgreSQL)"
    cat "$HOME_DIR/postgres.log"
    if [ "$failed" != 0 ]; then
        echo "== test suite failed after $(( $(date +%s) - start )) s" >&2
        exit 1
    fi
else
    echo "== pytest (SQLite)"
    SCHILDWACHT_HOME="$HOME_DIR/sqlite" "$BIN/pytest" -q
    echo "== PostgreSQL not available: ran on SQLite only."
fi
echo "== test suite took $(( $(date +%s) - start )) s"
