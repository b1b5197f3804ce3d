#!/bin/bash
# Runs once, when the compose PostgreSQL volume is first initialised: the read-only role Grafana logs in with.
# The reporting service's Flyway afterMigrate grants it SELECT on every table (quarkus.flyway.placeholders.reader_role).
set -euo pipefail
psql -v ON_ERROR_STOP=1 -v reader_password="${EMOSTREAM_READER_PASSWORD}" \
  --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
CREATE ROLE emostream_reader LOGIN PASSWORD :'reader_password';
GRANT CONNECT ON DATABASE emostream TO emostream_reader;
SQL
