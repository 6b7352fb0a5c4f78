#!/usr/bin/env bash
# The benchmark harness in full mode (issue 7): ours vs haproxy 2.6 vs the direct socket; writes docs/BENCHMARKS.md.
# Needs what the integration tests need (tests/install-deps.sh: containerd, runc, haproxy) and root.
set -euo pipefail
cd "$(dirname "$0")/../.."
./mvnw -B -q install -DskipTests
./mvnw -B -pl tests verify -Dit.test=BenchmarkIT -Dbench.full=true -Dfailsafe.failIfNoSpecifiedTests=false
