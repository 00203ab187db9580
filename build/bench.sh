#!/usr/bin/env bash
# Measures what the agent costs an application and writes docs/benchmarks.md.
# Start-up: time to first successful response of the hello-world web app (tests/apps/WebApp,
# GET /health) on .NET 10, without and with the agent, alternating runs, median and spread.
#
#   build/bench.sh            # RUNS=9 by default
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
runs=${RUNS:-9}
home="$root/artifacts/cwapm"
app="$root/artifacts/bench/WebApp"
[ -f "$home/hook/CloudWatchApm.Agent.StartupHook.dll" ] || bash build/build.sh
echo "==> publishing the hello-world app"
dotnet publish tests/apps/WebApp/WebApp.csproj -nologo -v:q -c Release -f net10.0 -o "$app" >/dev/null
command -v curl >/dev/null || { echo "bench.sh: curl is required (apt-get install curl)" >&2; exit 1; }

port=5197
logdir=$(mktemp -d)
now_ms() { date +%s%3N; }

# ttfr MODE -> prints "milliseconds peak_rss_kb"
ttfr() {
  local mode=$1 start pid t rss
  start=$(now_ms)
  if [ "$mode" = agent ]; then
    OTEL_SERVICE_NAME=bench OTEL_DOTNET_AUTO_LOG_DIRECTORY="$logdir" ASPNETCORE_URLS="http://127.0.0.1:$port" \
      "$home/instrument.sh" dotnet "$app/WebApp.dll" >/dev/null 2>&1 &
  else
    ASPNETCORE_URLS="http://127.0.0.1:$port" dotnet "$app/WebApp.dll" >/dev/null 2>&1 &
  fi
  pid=$!
  until curl -fs -o /dev/null "http://127.0.0.1:$port/health"; do sleep 0.005; done
  t=$(( $(now_ms) - start ))
  sleep 0.3
  rss=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  echo "$t $rss"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
spread() { sort -n | awk 'NR==1{min=$1} {max=$1} END {print min "-" max}'; }

echo "==> warm-up"
ttfr none >/dev/null; ttfr agent >/dev/null
: > "$logdir/none"; : > "$logdir/agent"
for i in $(seq 1 "$runs"); do
  ttfr none >> "$logdir/none"
  ttfr agent >> "$logdir/agent"
  echo "   run $i: none $(tail -n1 "$logdir/none" | cut -d' ' -f1) ms, agent $(tail -n1 "$logdir/agent" | cut -d' ' -f1) ms"
done

n_med=$(cut -d' ' -f1 "$logdir/none" | median); a_med=$(cut -d' ' -f1 "$logdir/agent" | median)
n_spr=$(cut -d' ' -f1 "$logdir/none" | spread); a_spr=$(cut -d' ' -f1 "$logdir/agent" | spread)
n_rss=$(cut -d' ' -f2 "$logdir/none" | median); a_rss=$(cut -d' ' -f2 "$logdir/agent" | median)
added=$(awk -v a="$a_med" -v n="$n_med" 'BEGIN {print a-n}')
added_mb=$(awk -v a="$a_rss" -v n="$n_rss" 'BEGIN {printf "%.1f", (a-n)/1024}')
ratio=$(awk -v a="$a_med" -v n="$n_med" 'BEGIN {printf "%.2f", a/n}')

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
cat > docs/benchmarks.md <<MD
# Benchmarks

Written by \`build/bench.sh\`; every figure in a table comes from one run of it, measured side
by side (runs alternate between the two configurations).

- Date: $(date -u +%Y-%m-%d)
- Machine: $(nproc) cores ($cpu), $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr)
- Runtime: .NET $(dotnet --list-runtimes | awk '/Microsoft.NETCore.App 10/ {print $2}' | tail -n1), agent $(cat "$home/VERSION") (ReadyToRun)

## Start-up: time to first successful response, hello world, .NET 10

$runs runs each; time from process start to the first 200 on GET /health; peak RSS (VmHWM)
read just after that.

| | median | spread (min-max) | peak RSS (median) |
|---|---|---|---|
| no agent | $n_med ms | $n_spr ms | $((n_rss / 1024)) MB |
| agent (traces, metrics, logs on; OTLP to an absent collector) | $a_med ms | $a_spr ms | $((a_rss / 1024)) MB |
| **added by the agent** | **$added ms** (x$ratio) | | **$added_mb MB** |

Targets: added time to first response <= 40 ms (issue: zero-code agent), <= 20 ms (issue:
performance); added resident memory <= 15 MB.
MD
echo "==> wrote docs/benchmarks.md: added $added ms, $added_mb MB"
