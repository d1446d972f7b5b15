#!/usr/bin/env bash
# Start the image's PostgreSQL in the background, wait for it, then run the
# README's test command against it (as root, so the extension files can be
# copied into this server's share directory).
set -euo pipefail
docker-entrypoint.sh postgres >/tmp/postgres.log 2>&1 &
for _ in $(seq 60); do
    pg_isready -q -h 127.0.0.1 -U postgres && break
    sleep 1
done
pg_isready -h 127.0.0.1 -U postgres
export PGHOST=127.0.0.1 PGUSER=postgres PGDATABASE=postgres
exec make test
