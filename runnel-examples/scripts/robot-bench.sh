#!/usr/bin/env bash
# Control-loop lateness of the robot controller example under the same background storm:
# everything on one shared virtual-thread lane vs the control loop on a dedicated lane (plain, and
# in the SCHED_FIFO class where permitted), with G1 and ZGC. Each run also reports the CPU time
# the hypervisor stole from this VM meanwhile (the "st" of vmstat), which no guest setting avoids.
# Usage: runnel-examples/scripts/robot-bench.sh [seconds per run, default 30] [storm dir]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
secs=${1:-30}
dir_args=()
[[ -n "${2:-}" ]] && dir_args=(--dir "$2")
./runnel mvn -B -q -pl runnel-examples -am package -DskipTests -Djcstress.skip=true >/dev/null

steal_ticks() { awk '/^cpu /{print $9; exit}' /proc/stat; }
total_ticks() { awk '/^cpu /{t=0; for(i=2;i<=NF;i++) t+=$i; print t; exit}' /proc/stat; }

for gc in "-XX:+UseG1GC" "-XX:+UseZGC"; do
  for mode in "--shared" "" "--realtime 50"; do
    echo "== GC ${gc#-XX:+Use}, ${mode:---dedicated (lanes)}"
    s0=$(steal_ticks); t0=$(total_ticks)
    # shellcheck disable=SC2086 # mode is a list of flags
    JAVA_OPTS="$gc -Xms256m -Xmx256m" ./runnel example RobotController --duration "${secs}s" \
      "${dir_args[@]}" $mode 2>/dev/null | grep -E "^Control loop|^lane "
    s1=$(steal_ticks); t1=$(total_ticks)
    awk -v s=$((s1 - s0)) -v t=$((t1 - t0)) 'BEGIN{printf "steal: %.1f%% of CPU time\n", t ? 100*s/t : 0}'
  done
done
