#!/usr/bin/env bash
# Make sure a PostgreSQL server answers on 127.0.0.1:5432 for the test run. When none answers,
# install Debian's PostgreSQL and start it, with a password for the postgres user.
# Prints the connection URL to use on stdout.
set -euo pipefail
URL="postgres://postgres:postgres@127.0.0.1:5432/schildwacht"

answers() {
    (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null
}

if answers; then
    echo "$URL"
    exit 0
fi
echo "No PostgreSQL on 127.0.0.1:5432: installing Debian's." >&2
export DEBIAN_FRONTEND=noninteractive
if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
fi
version=$(ls /etc/postgresql | sort -V | tail -n 1)
pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 || true
for _ in $(seq 1 30); do
    answers && break
    sleep 1
done
answers || { echo "PostgreSQL did not start." >&2; exit 1; }
su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'postgres'\"" >&2
echo "$URL"
