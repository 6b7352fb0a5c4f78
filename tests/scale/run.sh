#!/usr/bin/env bash
# The fleet at scale, simulated (issue 18), in full: 2,000 real kubernetes registrars in two JVMs against the
# Kubernetes API double, at the real intervals and the issue's durations (about 45 minutes of wall time); writes the
# figures into docs/SCALE.md and the charts into docs/scale/. CI runs only the 50-agent smoke (FleetScaleIT).
# Needs a JDK 17 and about 4 GiB of free memory; no root. Extra arguments go to Maven, e.g. -Dscale.agents=500.
set -euo pipefail
cd "$(dirname "$0")/../.."
./mvnw -B -pl tests -am verify -Dscale.full=true -Dit.test=FleetScaleIT -Dtest=NONE \
  -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false "$@"
