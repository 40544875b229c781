#!/usr/bin/env bash
# MQTT client libraries side by side (issue 15): resident memory, classes, Native Memory Tracking,
# threads, start-up to the first acknowledged publish and publish throughput of one small probe
# (io.runnel.bench.mqtt.MqttClientProbe: plain JDK + one client library, no Runnel pipeline) per
# client, beside an idle JVM and the probe's own loop without a client, all in one run, on the
# distribution's runtime and flags (./runnel dist) against one local Mosquitto on a free port.
#
# Each configuration runs twice: once clean (RSS, threads and the class count from jcmd
# PerfCounter.print, read `settle` seconds after the first PUBACK while publishing 500 messages/s
# at QoS 1; then the probe's own throughput figures), once with -XX:NativeMemoryTracking=summary
# and -Xlog:class+load (NMT by category and the classes by origin, at the same moment). The
# gateway's AOT cache is not used: it is trained on the gateway's class path and would not match.
# HiveMQ's Netty wants jdk.unsupported (sun.misc.Unsafe), which the distribution's jlink runtime
# leaves out; the rows marked "+ jdk.unsupported" run on a runtime linked the same way with that
# module added (built once into runnel-bench/target/mqtt-runtime-unsupported).
#
# The rows "JDK HTTP client in use" also post a JSON batch a second with java.net.http to a sink
# in another process, as the gateway's HTTP sync does: what each client adds on top of the JDK
# classes the gateway loads anyway.
#
# Usage: docs/bench/mqtt-clients.sh [settle seconds, default 8]    (prints Markdown tables)
#        ONLY='regex' docs/bench/mqtt-clients.sh                    (only the matching rows)
# Needs: ./runnel dist, and the probe built:
#        ./runnel mvn -B -q -o -pl runnel-bench -am package -DskipTests
# Bounded: every probe is killed if it is not ready in 60 s or not done 30 s after its end;
# only the processes this script started are killed (by PID).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
D=$ROOT/target/dist/runnel-gateway
B=$ROOT/runnel-bench/target
[[ -x $D/runtime/bin/java ]] || { echo "mqtt-clients: run ./runnel dist first" >&2; exit 1; }
[[ -f $B/classes/io/runnel/bench/mqtt/MqttClientProbe.class && -d $B/mqtt-clients/paho5 ]] || {
  echo "mqtt-clients: build the probe: ./runnel mvn -B -q -o -pl runnel-bench -am package -DskipTests" >&2
  exit 1
}
[[ -x /usr/sbin/mosquitto ]] || { echo "mqtt-clients: needs /usr/sbin/mosquitto (apt-get install mosquitto)" >&2; exit 1; }
JDK=${JAVA_HOME:-$("$ROOT/runnel" jdk)}
JCMD=$JDK/bin/jcmd
settle=${1:-8}
seconds=$((settle + 4))
burst=3
FLAGS=$(sed -n 's/^DEFAULT_FLAGS="\(.*\)"$/\1/p' "$D/bin/runnel-gateway")
JAVA=$D/runtime/bin/java

# the distribution's runtime plus jdk.unsupported, linked as runnel-examples/scripts/dist.sh links it
RT_U=$B/mqtt-runtime-unsupported
modules=$(sed -n 's/^MODULES="\(.*\)"$/\1/p' "$D/runtime/release" | tr ' ' ',')
if [[ ! -x $RT_U/bin/java || $(sed -n 's/^MODULES=//p' "$RT_U/release") != *jdk.unsupported* ||
      $RT_U/release -ot $D/runtime/release ]]; then
  rm -rf "$RT_U"
  "$JDK/bin/jlink" --add-modules "$modules,jdk.unsupported" --strip-java-debug-attributes \
    --no-header-files --no-man-pages --compress=zip-6 --output "$RT_U"
  if command -v strip >/dev/null; then
    find "$RT_U/lib" -name '*.so' -exec chmod u+w {} + -exec strip --strip-unneeded {} +
  fi
fi
JAVA_U=$RT_U/bin/java

work=$(mktemp -d /tmp/runnel-mqtt-clients.XXXXXX)
# the rows "JDK HTTP client in use" post a JSON batch a second to this sink (another process)
cat >"$work/sink.py" <<'PY'
import http.server, sys
class Sink(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Sink).serve_forever()
PY
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
export MALLOC_ARENA_MAX=2 HOME=$work

broker=$(free_port)
printf 'listener %s 127.0.0.1\nallow_anonymous true\n' "$broker" >"$work/mosquitto.conf"
/usr/sbin/mosquitto -c "$work/mosquitto.conf" >"$work/mosquitto.log" 2>&1 &
pids+=($!)
sink=$(free_port)
python3 "$work/sink.py" "$sink" >"$work/sink.log" 2>&1 &
pids+=($!)
for port in "$broker" "$sink"; do
  for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
  done
done
HTTP="http=http://127.0.0.1:$sink/v1/batches"

# Paho's jars are signed (Eclipse's certificate): the JDK checks the signature when it opens them.
# A copy without the signature files shows what that costs (a distribution could ship it so).
mkdir -p "$work/paho3-unsigned"
cp "$B/mqtt-clients/paho3"/*.jar "$work/paho3-unsigned/"
zip -q -d "$work/paho3-unsigned"/*.jar 'META-INF/*.SF' 'META-INF/*.RSA' >/dev/null

jar_dir() { # CLIENT [JAR DIR] -> the folder of that client's jars (none for idle and loopback)
  if [[ -n ${2:-} ]]; then echo "$2"; return; fi
  case $1 in hivemq*) echo "$B/mqtt-clients/hivemq" ;; paho3 | paho5) echo "$B/mqtt-clients/$1" ;; esac
}
cp_of() { # CLIENT [JAR DIR] -> the probe's classes and that client's jars only
  local dir cp=$B/classes
  dir=$(jar_dir "$@")
  if [[ -n $dir ]]; then for j in "$dir"/*.jar; do cp+=":$j"; done; fi
  echo "$cp"
}
jars_mb() { # CLIENT [JAR DIR] -> size of its jars
  local dir
  dir=$(jar_dir "$@")
  if [[ -z $dir ]]; then echo "—"; return; fi
  du -cb "$dir"/*.jar | awk 'END { printf "%.2f", $1 / 1048576 }'
}
kb() { awk '/^'"$1"':/ { print $2 }' "/proc/$2/status"; }
nmt() { sed -n "s/^-[[:space:]]*$1 (reserved=[0-9]*KB, committed=\([0-9]*\)KB.*/\1/p" "$2" | head -n 1; }
mb() { awk -v k="${1:-0}" 'BEGIN { printf "%.1f", k / 1024 }'; }
val() { sed -n "s/^$1=//p" "$2" | head -n 1; }
perf() { sed -n "s/^$1=//p" "$2" | head -n 1; }

# run JAVA CLIENT DIAG(0|1) [JAR DIR] [PROBE ARGS] -> sets RSS_KB FILE_KB THREADS CLASSES START_MS BOOT_MS; $work/out.log,
# and with DIAG $work/nmt.txt and $work/classes.txt (the class+load log at the measuring moment)
run() {
  local java=$1 client=$2 diag=$3 jars=${4:-} extra=${5:-}
  local f="$FLAGS" log=$work/out.log t0 pid
  [[ $diag == 1 ]] && f+=" -XX:NativeMemoryTracking=summary -Xlog:class+load=info:file=$work/classload.log"
  rm -f "$work/classload.log"
  # emptied here, not by the redirection below: that happens in the child, maybe after the first look
  : >"$log"
  : >"$work/err.log"
  t0=$(date +%s%3N)
  # shellcheck disable=SC2086
  "$java" $f -cp "$(cp_of "$client" "$jars")" io.runnel.bench.mqtt.MqttClientProbe client="$client" \
    broker="127.0.0.1:$broker" seconds="$seconds" burst="$burst" $extra >"$log" 2>"$work/err.log" &
  pid=$!
  pids+=($pid)
  for _ in $(seq 600); do grep -q '^ready' "$log" && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if ! grep -q '^ready' "$log"; then
    FAILED=$(head -c 300 "$work/err.log"; head -n 1 "$log")
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    return 1
  fi
  local first main
  first=$(val first-ack-epoch-ms "$log")
  main=$(val main-epoch-ms "$log")
  BOOT_MS=$((main - t0))
  if [[ -n $first ]]; then START_MS=$((first - t0)); else START_MS=$BOOT_MS; fi
  sleep "$settle"
  RSS_KB=$(kb VmRSS "$pid")
  FILE_KB=$(kb RssFile "$pid")
  THREADS=$(kb Threads "$pid")
  "$JCMD" "$pid" PerfCounter.print >"$work/perf.txt" 2>&1 || true
  local loaded unloaded
  loaded=$(perf java.cls.loadedClasses "$work/perf.txt")
  unloaded=$(perf java.cls.unloadedClasses "$work/perf.txt")
  CLASSES=$(( ${loaded:-0} - ${unloaded:-0} ))
  if [[ $diag == 1 ]]; then
    cp "$work/classload.log" "$work/classes.txt"
    "$JCMD" "$pid" VM.native_memory summary scale=KB >"$work/nmt.txt"
  fi
  local end=$((SECONDS + seconds + burst + 30))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < end)); do sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    FAILED="not done $((seconds + burst + 30)) s after ready"
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    return 1
  fi
  if ! wait "$pid" || ! grep -q '^done' "$log"; then
    FAILED=$(head -c 300 "$work/err.log")
    return 1
  fi
}

# classes of the class+load log by origin: "client library (of it Netty, RxJava)", the JDK's
by_origin() {
  awk '/\[class,load\]/ {
      n = $2
      if (n ~ /^com\.hivemq\./ || n ~ /^org\.eclipse\.paho\./) lib++
      else if (n ~ /^io\.netty\./) netty++
      else if (n ~ /^io\.reactivex\./) rx++
      else if (n ~ /^(org\.jctools|dagger|javax\.inject|org\.reactivestreams|org\.jetbrains)\./) other++
      else if (n ~ /^io\.runnel\./) probe++
      else jdk++
    }
    END { printf "%d|%d|%d|%d|%d|%d", lib, netty, rx, other, probe, jdk }' "$1"
}

declare -A BASE_RSS
row() { # LABEL JAVA CLIENT [JAR DIR] [PROBE ARGS]
  local label=$1 java=$2 client=$3 jars=${4:-} extra=${5:-}
  [[ -n ${ONLY:-} && ! $label =~ $ONLY ]] && return 0
  if ! run "$java" "$client" 1 "$jars" "$extra"; then
    printf '| %s | fails: %s |\n' "$label" "$(echo "$FAILED" | tr '\n|' '  ')"
    return 0
  fi
  local n=$work/nmt.txt total cls meta thr code heap misc other origin
  total=$(sed -n 's/^Total: reserved=[0-9]*KB, committed=\([0-9]*\)KB.*/\1/p' "$n")
  cls=$(nmt "Class" "$n"); meta=$(nmt "Metaspace" "$n"); thr=$(nmt "Thread" "$n")
  code=$(nmt "Code" "$n"); heap=$(nmt "Java Heap" "$n")
  misc=$(( $(nmt "GC" "$n") + $(nmt "Symbol" "$n") + $(nmt "Arena Chunk" "$n") + $(nmt "Internal" "$n") + $(nmt "Compiler" "$n") ))
  other=$(nmt "Other" "$n")
  origin=$(by_origin "$work/classes.txt")
  IFS='|' read -r o_lib o_netty o_rx o_other o_probe o_jdk <<<"$origin"
  if ! run "$java" "$client" 0 "$jars" "$extra"; then
    printf '| %s | fails (clean run): %s |\n' "$label" "$(echo "$FAILED" | tr '\n|' '  ')"
    return 0
  fi
  local o=$work/out.log rss=$RSS_KB
  # the baseline of a client's row: the probe loop on the same runtime with the same arguments
  [[ $client == idle ]] && BASE_RSS[idle]=$rss
  [[ $client == loopback ]] && BASE_RSS["$java|$extra"]=$rss
  local base_loop=${BASE_RSS["$java|$extra"]:-0}
  local d_idle=— d_loop=— paced=— lat=— flat=— start=—
  [[ -n ${BASE_RSS[idle]:-} ]] && d_idle=$(awk -v a="$rss" -v b="${BASE_RSS[idle]}" 'BEGIN { printf "%+.1f", (a - b) / 1024 }')
  [[ $client != idle && $client != loopback && $base_loop != 0 ]] && d_loop=$(awk -v a="$rss" -v b="$base_loop" 'BEGIN { printf "%+.1f", (a - b) / 1024 }')
  if [[ $client != idle ]]; then
    start="$START_MS ($(val connect-ms "$o"))"
    paced=$(val paced-rate "$o")
    [[ $client != loopback ]] && {
      lat="$(awk -v u="$(val ack-p50-us "$o")" 'BEGIN { printf "%.2f", u / 1000 }') / $(awk -v u="$(val ack-p99-us "$o")" 'BEGIN { printf "%.1f", u / 1000 }')"
      flat=$(val burst-rate "$o")
    }
  fi
  printf '| %s | %s | **%s** | %s | %s | %s | %s | %s | %s / %s / %s / %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
    "$label" "$(jars_mb "$client" "$jars")" "$(mb "$rss")" "$d_idle" "$d_loop" "$(mb "$FILE_KB")" "$THREADS" \
    "$CLASSES" "$o_lib" "$o_netty" "$o_rx" "$o_other" "$((o_jdk + o_probe))" "$(mb "$total")" \
    "$(mb $((cls + meta)))" "$(mb "$thr")" "$(mb "$code")" "$(mb "$heap")" "$(mb "$misc")" \
    "$(mb "${other:-0}")" "$start" "$paced / $lat / $flat"
}

echo "JVM: $("$JAVA" -version 2>&1 | sed -n 2p); flags: $FLAGS; MALLOC_ARENA_MAX=2; $(nproc) CPUs;" \
  "load average $(cut -d' ' -f1-3 /proc/loadavg); $(/usr/sbin/mosquitto -h 2>/dev/null | sed -n 1p);" \
  "measured ${settle} s after the first PUBACK, publishing 500 msgs/s"
echo
echo "| configuration | jars MB | RSS MB | Δ vs idle | Δ vs probe loop | of RSS: mapped files MB | threads | classes loaded | of them: client / Netty / RxJava / other deps | JDK + probe | NMT committed MB | classes + metaspace | threads (NMT) | code | heap | GC, symbols, arenas, compiler | other (direct buffers) | start-up ms: exec → first PUBACK (main → CONNACK) | msgs/s at 500/s target / PUBACK p50 / p99 ms / msgs/s flat out, 20 in flight |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
row "idle JVM (same flags)" "$JAVA" idle
row "probe loop, no client" "$JAVA" loopback
row "HiveMQ mqtt-client 1.4.2, MQTT 5 (as runnel-mqtt)" "$JAVA" hivemq5
row "HiveMQ mqtt-client 1.4.2, MQTT 3.1.1" "$JAVA" hivemq3
row "Eclipse Paho mqttv3 1.2.5, MQTT 3.1.1" "$JAVA" paho3
row "Eclipse Paho mqttv3 1.2.5, jar signature removed" "$JAVA" paho3 "$work/paho3-unsigned"
row "Eclipse Paho mqttv5 1.2.5, MQTT 5" "$JAVA" paho5
row "+ jdk.unsupported: probe loop, no client" "$JAVA_U" loopback
row "+ jdk.unsupported: HiveMQ 1.4.2, MQTT 5" "$JAVA_U" hivemq5
row "JDK HTTP client in use: probe loop, no client" "$JAVA" loopback "" "$HTTP"
row "JDK HTTP client in use: HiveMQ 1.4.2, MQTT 5" "$JAVA" hivemq5 "" "$HTTP"
row "JDK HTTP client in use: Paho mqttv3 1.2.5" "$JAVA" paho3 "" "$HTTP"
row "JDK HTTP client in use: Paho mqttv3 1.2.5, signature removed" "$JAVA" paho3 "$work/paho3-unsigned" "$HTTP"
row "JDK HTTP client in use: Paho mqttv5 1.2.5" "$JAVA" paho5 "" "$HTTP"
