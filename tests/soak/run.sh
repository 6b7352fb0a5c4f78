#!/usr/bin/env bash
# The soak, not run in CI (CI runs SoakIT for 2 minutes): the agent as a real process for DURATION (default 30m)
# under the controller's CRI load, certificate rotations, SIGHUPs, containerd restarts and refused handshakes.
# Usage: tests/soak/run.sh [DURATION]   (e.g. 30m, 2h; as root, like the integration tests)
# The figures are printed and written to tests/target/reliability/soak.md (docs/RELIABILITY.md records a run).
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-30m}
tests/install-deps.sh
./mvnw -B -pl tests -am verify -Dit.test=SoakIT -Dsoak.duration="$duration" \
  -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false
cat tests/target/reliability/soak.md
