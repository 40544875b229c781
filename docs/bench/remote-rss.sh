#!/usr/bin/env bash
# Measures the RSS the remote server adds: the demo alone, with --remote, then with 10 Python
# websockets clients watching. Needs ./runnel demo built once and /usr/bin/python3 with websockets.
# FLAGS="-XX:+UseSerialGC -Xmx32m ..." docs/bench/remote-rss.sh [--remote]
# usage: remote-rss.sh [--remote]  -> prints RSS (kB) of the demo JVM at steady state, then with 10 clients
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE/../.."
out=$(mktemp)
JDK=$(./runnel jdk)
CP="runnel-examples/target/runnel-examples.jar:runnel-examples/target/lib/*"
MALLOC_ARENA_MAX=2 $JDK/bin/java ${FLAGS:-} -cp "$CP" io.runnel.examples.TemperatureDemo --duration 60s --quiet --period 10ms "$@" > "$out" 2>&1 &
pid=$!
sleep 15
rss() { awk '/VmRSS/{print $2}' /proc/$pid/status; }
echo "steady rss_kB=$(rss)"
if [[ "${1:-}" == "--remote" ]]; then
  tok=$(awk '$2=="read"{print $3}' ~/.runnel/remote.token)
  port=$(sed -n 's|.*ws://127.0.0.1:\([0-9]*\)/v1.*|\1|p' "$out" | head -1)
  /usr/bin/python3 "$HERE/remote-clients.py" "ws://127.0.0.1:$port/v1" "$tok" 10 25 &
  cpid=$!
  sleep 20
  echo "10 clients rss_kB=$(rss)"
  wait $cpid
fi
kill $pid; wait $pid || true
