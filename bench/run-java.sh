#!/usr/bin/env bash
# Builds the platform if needed and runs a benchmark main class: bench/run-java.sh io.emostream.bench.X [args]
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
if [ ! -f bench/target/bench-0.1.0-SNAPSHOT.jar ] || [ -n "$(find bench/src contracts/src local-runtime/src ingest-service/src -newer bench/target/bench-0.1.0-SNAPSHOT.jar -type f -print -quit)" ]; then
  ./mvnw -B -q package -DskipTests -pl bench -am
fi
export EMOSTREAM_REPO="$REPO"
exec java -Xmx2g -cp "bench/target/bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*" "$@"
