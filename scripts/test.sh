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

echo "== pytest (SQLite)"
SCHILDWACHT_HOME="$HOME_DIR/sqlite" "$BIN/pytest" -q

pg_url="${SCHILDWACHT_TEST_POSTGRES_URL:-}"
if [ -z "$pg_url" ] && (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then
    pg_url="postgres://postgres@127.0.0.1:5432/schildwacht"
fi
if [ -n "$pg_url" ]; then
    echo "== pytest (PostgreSQL)"
    SCHILDWACHT_HOME="$HOME_DIR/postgres" SCHILDWACHT_DATABASE_URL="$pg_url" "$BIN/pytest" -q
elif [ "${CI:-}" = "true" ]; then
    echo "CI needs PostgreSQL: none answers on 127.0.0.1:5432." >&2
    exit 1
else
    echo "== PostgreSQL not available: ran on SQLite only."
fi
echo "== test suite took $(( $(date +%s) - start )) s"
