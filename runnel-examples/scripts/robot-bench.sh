#!/usr/bin/env bash
# Control-loop lateness of the robot controller example: everything on one shared virtual-thread
# lane vs the control loop on a dedicated lane, under the same background storm, with G1 and ZGC.
# Usage: runnel-examples/scripts/robot-bench.sh [seconds per run, default 30]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
secs=${1:-30}
./runnel mvn -B -q -pl runnel-examples -am package -DskipTests -Djcstress.skip=true >/dev/null
for gc in "-XX:+UseG1GC" "-XX:+UseZGC"; do
  for mode in "--shared" ""; do
    echo "== GC ${gc#-XX:+Use}, ${mode:---dedicated (lanes)}"
    JAVA_OPTS="$gc -Xms256m -Xmx256m" ./runnel example RobotController --duration "${secs}s" $mode 2>/dev/null \
      | grep -E "^Control loop|^lane "
  done
done
