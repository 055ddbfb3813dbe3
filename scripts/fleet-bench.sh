#!/bin/sh
# Fleet-scale benchmarks (issue #9): the whole console against a 5,000-instance sandbox with
# 100 ms on every ECS call and the production rate limits, on the wall clock. Takes about
# 5 minutes; KEYBIND_BENCH_SLOW=1 adds the 1,000-instance rollout with a window of 20 (about
# 5 more). Numbers and what they mean: docs/BENCHMARKS.md, "Fleet scale".
set -eu
cd "$(dirname "$0")/.."
exec go test -run '^$' -bench "${1:-.}" -benchtime 1x -timeout 60m ./internal/fleetbench/
