#!/usr/bin/env bash
# Shows the agent's main job: an unmodified ASP.NET Core app (tests/apps/WebApp, which has no
# reference to the agent or OpenTelemetry) started through instrument.sh produces a trace for
# a request that calls out over HttpClient. The spans are printed by the console exporter
# (OTEL_TRACES_EXPORTER=console) so no collector is needed to see them; with a collector on
# localhost:4317 use OTEL_TRACES_EXPORTER=otlp (the default) instead.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
home="$root/artifacts/cwapm"
app="$root/artifacts/demo/WebApp"

[ -f "$home/hook/CloudWatchApm.Agent.StartupHook.dll" ] || bash build/build.sh
echo "==> publishing the sample app (no agent reference in it)"
dotnet publish tests/apps/WebApp/WebApp.csproj -nologo -v:q -c Release -f net10.0 -o "$app"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 5080)
logdir=$(mktemp -d)
out="$logdir/app.out"
echo "==> starting: OTEL_SERVICE_NAME=demo-web OTEL_TRACES_EXPORTER=console $home/instrument.sh dotnet WebApp.dll"
OTEL_SERVICE_NAME=demo-web OTEL_TRACES_EXPORTER=console OTEL_METRICS_EXPORTER=none OTEL_LOGS_EXPORTER=none \
  OTEL_DOTNET_AUTO_LOG_DIRECTORY="$logdir" ASPNETCORE_URLS="http://127.0.0.1:$port" \
  "$home/instrument.sh" dotnet "$app/WebApp.dll" >"$out" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.1; done

echo "==> GET /call (the app calls its own /users/42 with HttpClient)"
curl -fs "http://127.0.0.1:$port/call"; echo
sleep 1
kill -TERM $pid; wait $pid 2>/dev/null || true
trap - EXIT

echo "==> spans the agent produced (console exporter):"
grep -E '^(Activity\.(TraceId|SpanId|ParentSpanId|DisplayName|Kind)|    (http\.route|url\.full|http\.response\.status_code|server\.address))' "$out" || cat "$out"
echo "==> the agent's startup summary ($logdir):"
grep -h 'started in' "$logdir"/cwapm-*.log | cut -c1-400
