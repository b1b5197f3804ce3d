#!/usr/bin/env bash
# Console page load: one recording of N utterances through the whole platform, then its page loaded again and again
# in headless Chromium (Debian's chromium + chromium-driver); prints navigation timing and when the timeline is drawn.
#   bench/console-page.sh [utterances, default 200] [loads, default 20]
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
exec bench/run-java.sh io.emostream.bench.ConsolePageBench "$@"
