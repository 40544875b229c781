#!/usr/bin/env bash
# Builds the self-contained gateway distribution: target/dist/runnel-gateway/ and
# target/dist/runnel-gateway.tar.gz. Run through the launcher (./runnel dist), which picks the JDK
# (JAVA_HOME) and builds runnel-examples first. See docs/DISTRIBUTION.md.
#
#   runtime/   a jlink runtime of only the JDK modules the jars need (jdeps --print-module-deps)
#   lib/       the application jars, and gateway.aot: a JDK AOT cache (JEP 483/514) trained here
#   bin/       runnel-gateway, the launcher with the small-device JVM flags
#   etc/       gateway.properties, the example configuration (--config)
#   systemd/   runnel-gateway.service
#
# Environment: JAVA_HOME (required: the JDK whose jlink and runtime are used); JMODS=<dir> links
# against another platform's jmods instead (e.g. an ARM64 JDK's jmods/), which skips the training
# run (that runtime cannot run here: train the cache on the device, see docs/DISTRIBUTION.md).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
: "${JAVA_HOME:?run through ./runnel dist, or set JAVA_HOME}"
DIST=$ROOT/target/dist
OUT=$DIST/runnel-gateway
EX=$ROOT/runnel-examples/target
[[ -f $EX/runnel-examples.jar ]] || { echo "dist: $EX/runnel-examples.jar missing: build runnel-examples first" >&2; exit 1; }

# Small-device flags, measured in docs/BENCHMARKS.md ("Footprint by part").
JVM_FLAGS="-XX:+UseSerialGC -Xms8m -Xmx16m -Xss256k -XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=8m -XX:CICompilerCount=1 -XX:MaxDirectMemorySize=8m -XX:MaxMetaspaceSize=64m -XX:+UseCompressedOops"

say() { printf 'dist: %s\n' "$*" >&2; }
rm -rf "$OUT" "$DIST/runnel-gateway.tar.gz"
mkdir -p "$OUT/lib" "$OUT/bin" "$OUT/etc" "$OUT/systemd"

# 1. the jars: the examples' jar and its runtime dependencies (copied by its pom into target/lib)
cp "$EX/runnel-examples.jar" "$OUT/lib/"
cp "$EX"/lib/*.jar "$OUT/lib/"
# only the sensor mesh example needs these (module-info: requires static): not the gateway
rm -f "$OUT"/lib/kafka-clients-*.jar "$OUT"/lib/runnel-kafka-*.jar "$OUT"/lib/runnel-testbed-*.jar
jars=("$OUT/lib/runnel-examples.jar")
while IFS= read -r j; do jars+=("$j"); done < <(find "$OUT/lib" -name '*.jar' ! -name runnel-examples.jar | sort)

# 2. the JDK modules they need, computed (the jars are modules or automatic modules)
modules=$("$JAVA_HOME/bin/jdeps" --ignore-missing-deps --print-module-deps --multi-release 25 \
  --module-path "$OUT/lib" --add-modules ALL-MODULE-PATH)
say "JDK modules (jdeps): $modules"

# 3. the runtime
link=("$JAVA_HOME/bin/jlink" --add-modules "$modules" --strip-java-debug-attributes --no-header-files
  --no-man-pages --compress=zip-6 --output "$OUT/runtime")
if [[ -n ${JMODS:-} ]]; then
  link+=(--module-path "$JMODS")
fi
"${link[@]}"
# the JVM's symbol table is only read to name frames in crash reports: 5 MB of 29
if command -v strip >/dev/null && [[ -z ${JMODS:-} ]]; then
  find "$OUT/runtime/lib" -name '*.so' -exec chmod u+w {} + -exec strip --strip-unneeded {} +
fi

# 4. launcher, configuration, service unit
cp_list=""
for j in "${jars[@]}"; do cp_list+="${cp_list:+:}\$APP/lib/$(basename "$j")"; done
sed -e "s|@JVM_FLAGS@|$JVM_FLAGS|" -e "s|@CLASS_PATH@|$cp_list|" \
  "$ROOT/runnel-examples/src/dist/bin/runnel-gateway" >"$OUT/bin/runnel-gateway"
chmod 755 "$OUT/bin/runnel-gateway"
cp "$ROOT/runnel-examples/src/dist/etc/gateway.properties" "$OUT/etc/"
cp "$ROOT/runnel-examples/src/dist/systemd/runnel-gateway.service" "$OUT/systemd/"

# 5. the AOT cache, trained by a short gateway run (a local stand-in endpoint; MQTT towards a
#    broker if one is installed, else towards a closed port, so that the MQTT client's classes
#    load too) with the launcher's own flags
if [[ -z ${JMODS:-} ]]; then
  work=$(mktemp -d)
  broker_pid=""
  cleanup() { [[ -n $broker_pid ]] && kill "$broker_pid" 2>/dev/null; rm -rf "$work"; }
  trap cleanup EXIT
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  if [[ -x /usr/sbin/mosquitto ]]; then
    printf 'listener %s 127.0.0.1\nallow_anonymous true\n' "$port" >"$work/mosquitto.conf"
    /usr/sbin/mosquitto -c "$work/mosquitto.conf" >"$work/mosquitto.log" 2>&1 &
    broker_pid=$!
    sleep 0.5
  fi
  say "training the AOT cache (a 4 s gateway run)..."
  t0=$(date +%s%N)
  RUNNEL_JVM_FLAGS="$JVM_FLAGS -XX:AOTCacheOutput=$OUT/lib/gateway.aot -Xlog:aot=warning -Xlog:cds=warning" \
    "$OUT/bin/runnel-gateway" --duration 4s --sensors 50 --faults 0.05 --dir "$work/history" \
    --mqtt "127.0.0.1:$port" --drain-timeout 5s >"$work/training.log" 2>&1 || true
  if [[ ! -s $OUT/lib/gateway.aot ]]; then
    cat "$work/training.log" >&2
    say "the AOT cache was not written"
    exit 1
  fi
  say "trained in $(( ($(date +%s%N) - t0) / 1000000 )) ms: $(grep -E '^(produced|exit)' "$work/training.log" | tr '\n' ' ')"
fi

# 6. the archive, and the sizes
tar -C "$DIST" -czf "$DIST/runnel-gateway.tar.gz" runnel-gateway
mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1048576 }'; }
size() { du -sb "$@" | awk '{ s += $1 } END { print s }'; }
say "built $OUT"
printf '%-28s %10s\n' "runtime/ (jlink)" "$(mb "$(size "$OUT/runtime")")" \
  "lib/*.jar (application)" "$(mb "$(size "$OUT"/lib/*.jar)")" \
  "lib/gateway.aot (AOT cache)" "$(mb "$( [[ -f $OUT/lib/gateway.aot ]] && size "$OUT/lib/gateway.aot" || echo 0)")" \
  "total on disk" "$(mb "$(size "$OUT")")" \
  "runnel-gateway.tar.gz" "$(mb "$(size "$DIST/runnel-gateway.tar.gz")")"
