#!/usr/bin/env bash
# Checks the gateway distribution as a device would get it: unpacks the archive into a clean
# temporary directory and runs the gateway from there with a clean environment (no JAVA_HOME, no
# Maven, no source tree), against a local HTTP sink (the distribution's own LocalIngest, in its own
# JVM) and, if installed, a local Mosquitto. Checks: exit 0, nothing lost, MQTT acknowledged
# everything, the AOT cache is used (-XX:AOTMode=on fails the JVM otherwise), the configuration
# file is read, and SIGTERM ends it with its summary and status 143.
# Usage: runnel-examples/scripts/dist-check.sh [target/dist/runnel-gateway.tar.gz]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
archive=$(cd "$(dirname "${1:-$ROOT/target/dist/runnel-gateway.tar.gz}")" && pwd -P)/$(basename "${1:-runnel-gateway.tar.gz}")
[[ -f $archive ]] || { echo "dist-check: $archive missing: run ./runnel dist first" >&2; exit 1; }

work=$(mktemp -d /tmp/runnel-dist-check.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "dist-check: FAILED: $*" >&2; for f in "$work"/*.log; do echo "--- $f" >&2; tail -n 30 "$f" >&2; done; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
clean_env=(env -i PATH=/usr/bin:/bin HOME="$work" LANG=C.UTF-8)

tar -xzf "$archive" -C "$work"
D=$work/runnel-gateway
[[ -x $D/bin/runnel-gateway && -x $D/runtime/bin/java ]] || fail "the archive has no bin/runnel-gateway or runtime/bin/java"
cd "$work" # nothing of the source tree is reachable from here

sink_port=$(free_port)
"${clean_env[@]}" "$D/runtime/bin/java" -Xmx32m -cp "$D/lib/*" io.runnel.examples.LocalIngest "$sink_port" 0.1 \
  >"$work/sink.log" 2>&1 &
pids+=($!)
mqtt_args=()
if [[ -x /usr/sbin/mosquitto ]]; then
  mqtt_port=$(free_port)
  printf 'listener %s 127.0.0.1\nallow_anonymous true\n' "$mqtt_port" >"$work/mosquitto.conf"
  /usr/sbin/mosquitto -c "$work/mosquitto.conf" >"$work/mosquitto.log" 2>&1 &
  pids+=($!)
  mqtt_args=(--mqtt "127.0.0.1:$mqtt_port")
fi
for _ in $(seq 100); do
  grep -q "listening" "$work/sink.log" 2>/dev/null && break
  sleep 0.1
done
grep -q "listening" "$work/sink.log" || fail "the HTTP sink did not start"

# 1. a 5 s run from the unpacked archive, configured by its own etc/gateway.properties
"${clean_env[@]}" JAVA_OPTS="-XX:AOTMode=on" "$D/bin/runnel-gateway" --config "$D/etc/gateway.properties" \
  --duration 5s --status-interval 2s --dir "$work/history" \
  --endpoint "http://127.0.0.1:$sink_port/v1/batches" "${mqtt_args[@]}" >"$work/gateway.log" 2>&1 ||
  fail "the gateway exited with status $?"
grep -q "^Sync gateway: 50 sensors every 0.02s, persisted to $work/history (json)" "$work/gateway.log" ||
  fail "the configuration file was not read"
grep -q "^sync: drained" "$work/gateway.log" || fail "sync not drained"
grep -q "^exit: ok" "$work/gateway.log" || fail "no 'exit: ok'"
if [[ ${#mqtt_args[@]} -gt 0 ]]; then
  grep -q "^mqtt: connected; " "$work/gateway.log" || fail "MQTT did not acknowledge everything"
fi
produced=$(sed -n 's/^produced \([0-9]*\) readings.*/\1/p' "$work/gateway.log")
[[ ${produced:-0} -gt 0 ]] || fail "nothing produced"
grep -E "^(produced|sync|mqtt|memory)" "$work/gateway.log"

# 2. the same history, the sink's own count: every reading arrived
sleep 5.5 # the sink prints its counts every 5 s
arrived=$(sed -n 's/.*distinct readings \([0-9]*\)$/\1/p' "$work/sink.log" | tail -n 1)
[[ $arrived == "$produced" ]] || fail "the sink counted ${arrived:-nothing} distinct readings, the gateway produced $produced"
echo "sink: $arrived distinct readings arrived, the gateway produced $produced"

# 3. SIGTERM: summary, 'Interrupted', status 143
"${clean_env[@]}" "$D/bin/runnel-gateway" --config "$D/etc/gateway.properties" --status-interval 1s \
  --dir "$work/history" --endpoint "http://127.0.0.1:$sink_port/v1/batches" >"$work/sigterm.log" 2>&1 &
gw=$!
pids+=($gw)
for _ in $(seq 200); do
  grep -q "produced .* backlog" "$work/sigterm.log" 2>/dev/null && break
  sleep 0.1
done
kill -TERM "$gw"
status=0
wait "$gw" || status=$?
[[ $status == 143 ]] || fail "after SIGTERM the status was $status, not 143"
grep -q "^Interrupted (shutdown requested" "$work/sigterm.log" || fail "no 'Interrupted' after SIGTERM"
grep -q "^memory: RSS" "$work/sigterm.log" || fail "no summary after SIGTERM"
grep -q "^Resuming: " "$work/sigterm.log" || fail "the restart on the same --dir did not resume"
echo "SIGTERM: summary printed, status 143"
echo "dist-check: OK ($(du -sh "$D" | cut -f1) unpacked, from $archive)"
