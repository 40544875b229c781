#!/usr/bin/env bash
# Footprint by part: resident memory and start-up to the first reading of the gateway's pipeline
# built from chosen parts (io.runnel.examples.FootprintProbe), beside an idle JVM with the same
# flags, all in one run, on the distribution's runtime and flags (./runnel dist first). Each
# configuration runs twice: without the AOT cache and with Native Memory Tracking (where each MB
# goes), then with the AOT cache and without NMT (the figures a device sees). RSS is read from
# /proc/<pid>/status 8 s after the pipeline runs (50 sensors every 20 ms); start-up is from the
# exec of the JVM to the first reading produced. The HTTP sink (LocalIngest) and Mosquitto run in
# their own processes and are not counted.
# Usage: docs/bench/footprint.sh [seconds to settle, default 8]   (prints a Markdown table)
#        ONLY='regex' docs/bench/footprint.sh 6                      (only the matching rows)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
D=$ROOT/target/dist/runnel-gateway
[[ -x $D/runtime/bin/java ]] || { echo "footprint: run ./runnel dist first" >&2; exit 1; }
JCMD=${JAVA_HOME:-$("$ROOT/runnel" jdk)}/bin/jcmd
settle=${1:-8}
JAVA=$D/runtime/bin/java
CP=$(sed -n 's/^CP="\(.*\)"$/\1/p' "$D/bin/runnel-gateway")
CP=${CP//\$APP/$D}
FLAGS=$(sed -n 's/^DEFAULT_FLAGS="\(.*\)"$/\1/p' "$D/bin/runnel-gateway")
AOT=$D/lib/gateway.aot
work=$(mktemp -d /tmp/runnel-footprint.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
export MALLOC_ARENA_MAX=2 HOME=$work

sink=$(free_port)
"$JAVA" -Xmx64m -cp "$CP" io.runnel.examples.LocalIngest "$sink" 0 >"$work/sink.log" 2>&1 &
pids+=($!)
broker=$(free_port)
[[ -x /usr/sbin/mosquitto ]] || { echo "footprint: needs /usr/sbin/mosquitto" >&2; exit 1; }
printf 'listener %s 127.0.0.1\nallow_anonymous true\n' "$broker" >"$work/mosquitto.conf"
/usr/sbin/mosquitto -c "$work/mosquitto.conf" >"$work/mosquitto.log" 2>&1 &
pids+=($!)
sleep 2
common="seconds=$((settle + 4)) endpoint=http://127.0.0.1:$sink/v1/batches mqtt=127.0.0.1:$broker"

kb() { awk -v k="$1" '/^'"$1"':/ { print $2 }' "/proc/$2/status"; }
# NMT committed KB of a category line ("-  Java Heap (reserved=..KB, committed=..KB)")
nmt() { sed -n "s/^-[[:space:]]*$1 (reserved=[0-9]*KB, committed=\([0-9]*\)KB.*/\1/p" "$2" | head -n 1; }
mb() { awk -v k="${1:-0}" 'BEGIN { printf "%.1f", k / 1024 }'; }

# run LABEL NMT(0|1) AOT(0|1) EXTRA_FLAGS ARGS... -> sets RSS_KB FILE_KB START_MS, writes $work/nmt.txt
run() {
  local label=$1 nmt_on=$2 aot_on=$3 extra=$4
  shift 4
  local f="$FLAGS $extra"
  [[ $nmt_on == 1 ]] && f+=" -XX:NativeMemoryTracking=summary"
  [[ $aot_on == 1 ]] && f+=" -XX:AOTCache=$AOT -XX:AOTMode=on"
  local log=$work/run.log t0
  rm -rf "$work/h"
  : >"$log" # else the wait below can see the previous run's "ready"
  t0=$(date +%s%3N)
  # shellcheck disable=SC2086
  "$JAVA" $f -cp "$CP" io.runnel.examples.FootprintProbe "$@" dir="$work/h" >"$log" 2>&1 &
  local pid=$!
  pids+=($pid)
  for _ in $(seq 600); do grep -q '^ready' "$log" && break; sleep 0.1; done
  if ! grep -q '^ready' "$log"; then
    FAILED=$(grep -m 1 -E 'Error|Exception' "$log" || head -n 1 "$log")
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    return 1
  fi
  local first
  first=$(sed -n 's/^first-reading-epoch-ms=//p' "$log")
  if [[ -n $first ]]; then START_MS=$((first - t0)); else START_MS=$(( $(date +%s%3N) - t0 )); fi
  sleep "$settle"
  RSS_KB=$(kb VmRSS "$pid")
  FILE_KB=$(kb RssFile "$pid")
  if [[ $nmt_on == 1 ]]; then "$JCMD" "$pid" VM.native_memory summary scale=KB >"$work/nmt.txt"; fi
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

row() { # LABEL EXTRA_FLAGS ARGS...   (ONLY=<regex>: only the rows whose label matches it)
  local label=$1 extra=$2
  shift 2
  [[ -n ${ONLY:-} && ! $label =~ $ONLY ]] && return 0
  if ! run "$label" 1 0 "$extra" "$@"; then
    printf '| %s | does not start: %s ||||||||||||\n' "$label" "$FAILED"
    return 0
  fi
  local rss=$RSS_KB file=$FILE_KB start=$START_MS n=$work/nmt.txt
  local heap cls thr code gc shared sym other nmtkb total arena internal comp meta
  heap=$(nmt "Java Heap" "$n"); cls=$(nmt "Class" "$n"); thr=$(nmt "Thread" "$n")
  code=$(nmt "Code" "$n"); gc=$(nmt "GC" "$n"); shared=$(nmt "Shared class space" "$n")
  sym=$(nmt "Symbol" "$n"); other=$(nmt "Other" "$n"); nmtkb=$(nmt "Native Memory Tracking" "$n")
  arena=$(nmt "Arena Chunk" "$n"); internal=$(nmt "Internal" "$n"); comp=$(nmt "Compiler" "$n")
  meta=$(nmt "Metaspace" "$n")
  total=$(sed -n 's/^Total: reserved=[0-9]*KB, committed=\([0-9]*\)KB.*/\1/p' "$n")
  run "$label" 0 1 "$extra" "$@" || { RSS_KB=0; START_MS="fails: $FAILED"; }
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$label" \
    "$(mb "$rss")" "$start" "$(mb "$RSS_KB")" "$START_MS" "$(mb "$file")" "$(mb "$total")" \
    "$(mb "$heap")" "$(mb $(( ${cls:-0} + ${meta:-0} )))" "$(mb "$code")" \
    "$(mb "$thr")" "$(mb $(( ${sym:-0} + ${arena:-0} + ${internal:-0} + ${comp:-0} + ${gc:-0} )))" \
    "$(mb "$other")"
}

echo "JVM: $("$JAVA" -version 2>&1 | sed -n 2p); flags: $FLAGS; MALLOC_ARENA_MAX=2; $(nproc) CPUs"
echo
echo "| configuration | RSS MB | start-up ms | RSS MB, AOT cache | start-up ms, AOT cache | of RSS: mapped files MB | NMT committed MB | heap | classes + metaspace | code | threads | GC, symbols, arenas, compiler | other (direct buffers) |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
row "idle JVM (same flags)" "" idle seconds=$((settle + 4))
row "core only (50 sensors, 20 ms)" "" parts=core $common
row "+ store (binary records)" "" parts=core,store format=binary $common
row "+ store (JSON records, Jackson)" "" parts=core,store format=json $common
row "+ HTTP sync" "" parts=core,store,http format=json $common
row "+ MQTT (the gateway: HTTP + MQTT)" "" parts=core,store,http,mqtt format=json $common
row "+ remote server" "" parts=core,store,http,mqtt,remote format=json $common
echo
echo "Cuts tried on the gateway (HTTP + MQTT):"
echo
echo "| configuration | RSS MB | start-up ms | RSS MB, AOT cache | start-up ms, AOT cache | of RSS: mapped files MB | NMT committed MB | heap | classes + metaspace | code | threads | GC, symbols, arenas, compiler | other (direct buffers) |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
g="parts=core,store,http,mqtt format=json $common"
row "before the cuts: -Xmx24m, 12 MB code cache" "-Xmx24m -XX:ReservedCodeCacheSize=12m" $g
row "Netty unpooled buffers (-Dio.netty.allocator.type=unpooled)" "-Dio.netty.allocator.type=unpooled" $g
row "-Xss160k (platform thread stacks)" "-Xss160k" $g
row "1 carrier thread (-Djdk.virtualThreadScheduler.parallelism=1)" "-Djdk.virtualThreadScheduler.parallelism=1" $g
row "binary payloads instead of JSON" "" parts=core,store,http,mqtt format=binary $common
row "compact object headers (-XX:+UseCompactObjectHeaders)" "-XX:+UseCompactObjectHeaders" $g
row "no perf data file (-XX:-UsePerfData)" "-XX:-UsePerfData" $g
