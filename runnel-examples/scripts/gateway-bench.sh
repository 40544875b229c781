#!/usr/bin/env bash
# Footprint of the sync gateway example with the JVM flags recommended for small devices:
# resident memory, CPU and start-up time to the first produced reading. The cloud stand-in runs in
# its own JVM (so its memory is not counted); a local Mosquitto is used if installed.
# Usage: runnel-examples/scripts/gateway-bench.sh [seconds, default 30]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
secs=${1:-30}
./runnel mvn -B -q -pl runnel-examples -am package -DskipTests -Djcstress.skip=true >/dev/null
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ingest_port=$(free_port)
./runnel example LocalIngest "$ingest_port" 0.1 >"$work/ingest.log" 2>&1 &
mqtt_args=()
if [[ -x /usr/sbin/mosquitto ]]; then
  mqtt_port=$(free_port)
  printf 'listener %s 127.0.0.1\nallow_anonymous true\n' "$mqtt_port" >"$work/mosquitto.conf"
  /usr/sbin/mosquitto -c "$work/mosquitto.conf" >"$work/mosquitto.log" 2>&1 &
  mqtt_args=(--mqtt "127.0.0.1:$mqtt_port")
fi
sleep 3

small="-XX:+UseSerialGC -Xmx16m -Xss256k -XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=8m -XX:CICompilerCount=1"
run() { # $1 = label, $2 = JVM flags, then gateway args
  local label=$1 flags=$2
  shift 2
  echo "== $label"
  MALLOC_ARENA_MAX=2 JAVA_OPTS="$flags" ./runnel example SyncGateway --duration "${secs}s" \
    --endpoint "http://127.0.0.1:$ingest_port/v1/batches" --dir "$work/h-$RANDOM" "$@" 2>/dev/null |
    grep -E "^produced|^sync|^mqtt|^memory"
}
run "JVM defaults" "" "${mqtt_args[@]}"
run "small-device flags" "$small" "${mqtt_args[@]}"
# JDK 25 ahead-of-time cache (JEP 483/514): one training run writes it, later runs start faster.
MALLOC_ARENA_MAX=2 JAVA_OPTS="$small -XX:AOTCacheOutput=$work/gateway.aot" ./runnel example SyncGateway \
  --duration 3s --endpoint "http://127.0.0.1:$ingest_port/v1/batches" --dir "$work/h-train" >/dev/null 2>&1 || true
run "small-device flags + AOT cache" "$small -XX:AOTCache=$work/gateway.aot" "${mqtt_args[@]}"
run "small-device flags + AOT cache, no MQTT" "$small -XX:AOTCache=$work/gateway.aot"
