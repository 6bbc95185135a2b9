#!/bin/sh
# The CI fuzzing smoke test: builds every target and runs each for 25 seconds (override
# with FUZZ_SHORT_SECONDS) from the seed corpus; fails on any crash. See Fuzz/run.sh.
exec "$(dirname "$0")/run.sh" "${FUZZ_SHORT_SECONDS:-25}" "$@"
