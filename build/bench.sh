#!/usr/bin/env bash
# shellcheck disable=SC2154  # free_port assigns the port variables through printf -v
# Measures what the agent costs an application and writes docs/benchmarks.md. Every figure in
# a table comes from this one run, measured side by side: configurations alternate (start-up
# runs, steady-state rounds), and ratios are taken within a round.
#
#   build/bench.sh                          # every section
#   build/bench.sh startup steady           # only these sections (startup steady capacity outage micro)
#   QUICK=1 build/bench.sh                  # short runs that check the harness; figures not meaningful
#
# Sections:
#   startup   time to first successful response (TTFR), CPU time to it and peak RSS, hello world
#             (tests/apps/WebApp GET /health), the Empty template's hello world (tests/apps/TemplateApp
#             GET /) and the realistic app (tests/apps/BenchApp GET /orders/{id}: routing,
#             PostgreSQL query, HttpClient call), without vs with the agent
#   steady    the realistic app at saturation (wrk: requests/s, process CPU time per request,
#             bytes allocated per request) and at a fixed rate (open-loop client: p50/p99), for: no
#             agent; SDK wired by hand; agent 100% sampling; agent 10% sampling; agent with
#             Application Signals. Each exporting variant has its own local OTLP gRPC receiver.
#   capacity  span rates through an app ActivitySource under the agent's default settings:
#             created vs received, memory, what the agent log says about drops
#   outage    the realistic app under fixed-rate load with its receiver stopped OUTAGE_SECONDS:
#             memory growth, latency before/during/after, spans delivered vs dropped
#   micro     BenchmarkDotNet (in-process, MemoryDiagnoser) on the agent's per-span code
#
# Knobs (environment): RUNS (start-up runs per configuration), HELLO_RUNS (those of the hello
# world, whose added time has the tightest targets; default 31, or RUNS when larger), ROUNDS (saturation
# rounds; short ones, many of them, so the variants compared in a round run seconds apart),
# STEADY_SECONDS (per variant per round), WARMUP_SECONDS, FIXED_ROUNDS, FIXED_RATE (requests/s; default 25% of the slowest variant's
# saturation rate), FIXED_SECONDS, CONNECTIONS (wrk), CAPACITY_RATES ("5000 10000 ..."),
# CAPACITY_SECONDS, OUTAGE_SECONDS (120), OUTAGE_BEFORE, OUTAGE_AFTER, OUTAGE_RATE, VARIANTS
# (steady-state variants to run), PROFILE (1: dotnet-trace CPU profiles under load of
# PROFILE_VARIANTS, "agent handwired" by default; 0: none), BENCH_OUT (the report;
# docs/benchmarks.md), BENCH_NOTE (a line for the report's header), CWAPM_ARTIFACTS (where the agent home, the published apps and the raw
# results and logs go; default artifacts/; the agent home is built there when missing).
#
# Needs: the .NET 10 SDK, curl; wrk and PostgreSQL are installed with apt-get when missing
# (as root, or with sudo). PostgreSQL runs as a private server on a free loopback port in a
# temporary folder (as the postgres user when run as root), stopped at the end.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

quick=${QUICK:-0}
q() { if [ "$quick" = 1 ]; then echo "$1"; else echo "$2"; fi; }
runs=${RUNS:-$(q 3 9)}
hello_runs=${HELLO_RUNS:-$(q 3 $(( runs > 31 ? runs : 31 )))}
rounds=${ROUNDS:-$(q 3 15)}
steady_seconds=${STEADY_SECONDS:-$(q 3 6)}
fixed_rounds=${FIXED_ROUNDS:-$(q 2 6)}
warmup_seconds=${WARMUP_SECONDS:-$(q 5 10)}
fixed_seconds=${FIXED_SECONDS:-$(q 5 15)}
connections=${CONNECTIONS:-32}
capacity_rates=${CAPACITY_RATES:-$(q "5000 20000" "5000 10000 20000 30000 40000 60000 80000")}
capacity_seconds=${CAPACITY_SECONDS:-$(q 4 10)}
outage_seconds=${OUTAGE_SECONDS:-$(q 10 120)}
outage_before=${OUTAGE_BEFORE:-$(q 10 30)}
outage_after=${OUTAGE_AFTER:-$(q 15 60)}
outage_rate=${OUTAGE_RATE:-$(q 50 100)}
profile=${PROFILE:-1}
profile_seconds=${PROFILE_SECONDS:-$(q 5 20)}
out=${BENCH_OUT:-$root/docs/benchmarks.md}

all_sections="startup steady capacity outage micro"
sections=${*:-$all_sections}
for s in $sections; do
  case " $all_sections " in *" $s "*) ;; *) echo "bench.sh: unknown section '$s' (sections: $all_sections)" >&2; exit 2 ;; esac
done
wants() { case " $sections " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

artifacts="${CWAPM_ARTIFACTS:-$root/artifacts}"
mkdir -p "$artifacts" && artifacts=$(cd "$artifacts" && pwd)   # apps run from their own directory (see spawn)
home="$artifacts/cwapm"
bench="$artifacts/bench"
results="$bench/results"
work=$(mktemp -d /tmp/cwapm-bench.XXXXXX)
chmod 755 "$work"
mkdir -p "$results"
rm -f "$results"/*.md "$results"/*.tsv "$results"/*.env "$results"/*.txt "$results"/*.nettrace "$results"/*.etlx

say() { printf '\n==> %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
die() { echo "bench.sh: $*" >&2; exit 1; }

command -v dotnet >/dev/null || die "the .NET SDK 10 is required (dotnet not on PATH)"
command -v curl >/dev/null || die "curl is required (apt-get install curl)"

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
apt_install() {
  command -v apt-get >/dev/null || die "$* missing and apt-get not found: install $* with your package manager"
  say "installing $* (apt-get)"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1 \
    || { $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null; } \
    || die "could not install $* with apt-get"
}

# ---------------------------------------------------------------- processes we start
started=()
pg_ctl=""
pg_data=""
as_pg=()
cleanup() {
  local pid
  for pid in "${started[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  sleep 0.5
  for pid in "${started[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  if [ -n "$pg_ctl" ] && [ -d "$pg_data" ]; then "${as_pg[@]}" "$pg_ctl" -D "$pg_data" -m immediate stop >/dev/null 2>&1 || true; fi
  # Keep the processes' output and the agent logs with the results, for a run that went wrong.
  rm -rf "$results/logs" && mkdir -p "$results/logs"
  (cd "$work" && find . -maxdepth 2 \( -name '*.log' -o -name '*.stats' \) ! -path './pg/*' -exec cp --parents {} "$results/logs/" \;) 2>/dev/null || true
  [ -f "$work/pg/server.log" ] && cp "$work/pg/server.log" "$results/logs/postgres.log"
  rm -rf "$work"
}
trap cleanup EXIT

# free_port VAR: a loopback port nothing accepts connections on and no earlier call returned
# (not called in a subshell, so the counter moves on). The ports come from below the kernel's
# ephemeral range: there, an outgoing connection (wrk, curl, an app's own client) could take a
# port between this check and the server's bind, which once aborted a run.
ephemeral_low=$(awk '{ print $1 }' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
port_span=$((ephemeral_low - 11000))
[ "$port_span" -ge 1000 ] || port_span=1000
next_port=$((10000 + RANDOM % port_span))
free_port() {
  while (exec 3<>"/dev/tcp/127.0.0.1/$next_port") 2>/dev/null; do next_port=$((next_port + 1)); done
  printf -v "$1" '%s' "$next_port"
  next_port=$((next_port + 1))
}

clean_env=(env -u DOTNET_STARTUP_HOOKS -u DOTNET_ADDITIONAL_DEPS -u DOTNET_SHARED_STORE -u OTEL_DOTNET_AUTO_HOME)

# spawn LOG MODE(none|agent) [VAR=value ...] -- COMMAND...   -> sets $spawned (the pid of the app itself)
# The app runs from the directory of its .dll, as a deployed app does: ASP.NET Core takes the
# working directory as its content root, reads appsettings.json there and watches that tree
# (started from the repository root, it watched about 3,800 directories, which cost the hello
# world 50 ms of its start).
spawn() {
  local log=$1 mode=$2 vars=() dir=. arg
  shift 2
  while [ "$1" != "--" ]; do vars+=("$1"); shift; done
  shift
  for arg in "$@"; do case $arg in *.dll) dir=$(dirname "$arg"); break ;; esac; done
  if [ "$mode" = agent ]; then
    (cd "$dir" && exec "${clean_env[@]}" "${vars[@]}" "$home/instrument.sh" "$@") >"$log" 2>&1 &
  else
    (cd "$dir" && exec "${clean_env[@]}" "${vars[@]}" "$@") >"$log" 2>&1 &
  fi
  spawned=$!
  started+=("$spawned")
}

# Once one of our processes has ended its id may be reused by anyone's: forget it.
forget() {
  local keep=() p
  for p in "${started[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
  started=("${keep[@]}")
}

stop() {
  local pid=$1 i
  if kill -TERM "$pid" 2>/dev/null; then
    for i in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  forget "$pid"
}

wait_http() { # URL SECONDS PID
  local deadline=$(( $(date +%s) + $2 ))
  until curl -fs -o /dev/null "$1"; do
    kill -0 "$3" 2>/dev/null || return 1
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.05
  done
}

clk_tck=$(getconf CLK_TCK)
stat_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "$1"; }   # utime + stime from a stat file
cpu_ticks() { stat_ticks "/proc/$1/stat"; }   # all threads
# utime + stime of the SDK's own threads (export workers, metric reader: named OpenTelemetry-*)
export_ticks() {
  local t n=0
  for t in /proc/"$1"/task/*; do
    case $(cat "$t/comm" 2>/dev/null) in OpenTelemetry*) n=$(( n + $(stat_ticks "$t/stat" 2>/dev/null || echo 0) )) ;; esac
  done
  echo "$n"
}
status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
kv() { tr ' ' '\n' <<<"$1" | awk -F= -v k="$2" '$1 == k { print $2 }'; }
now_ms() { date +%s%3N; }
median() { { grep -E '^-?[0-9]' || true; } | sort -g | awk '{a[NR]=$1} END { if (NR == 0) print "NA"; else print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2) }'; }
spread() { { grep -E '^-?[0-9]' || true; } | sort -g | awk 'NR==1{min=$1} {max=$1} END {print min "-" max}'; }
# paired NONE_FILE AGENT_FILE -> "median low high": the median of the per-run differences (agent
# minus none, first column; line i of each file is run i, started one after the other) and a
# distribution-free interval that holds that median with at least 95% confidence: the k-th
# smallest and k-th largest difference, k the largest with P(Binomial(n, 1/2) < k) <= 2.5% (the
# sign test's interval). Pairing cancels what drifts between runs minutes apart (the machine's
# other load), which moves a difference of two separate medians by 10-15 ms here.
paired() {
  paste -d' ' <(cut -d' ' -f1 "$1") <(cut -d' ' -f1 "$2") | awk 'NF == 2 { print $2 - $1 }' | sign_interval
}
# sign_interval < numbers -> "median low high" (see paired; NA when there are too few for 95%)
sign_interval() {
  sort -g | awk '
    { d[NR] = $1 }
    END {
      n = NR
      if (n == 0) { print "NA NA NA"; exit }
      m = n % 2 ? d[(n + 1) / 2] : (d[n / 2] + d[n / 2 + 1]) / 2
      k = 0; below = 0; p = 0.5 ^ n
      for (j = 0; j < n; j++) { if (below + p > 0.025) break; below += p; k = j + 1; p = p * (n - j) / (j + 1) }
      if (k < 1) print m, "NA", "NA"; else print m, d[k], d[n + 1 - k]
    }'
}
fmt() { awk -v v="$1" -v d="${2:-0}" 'BEGIN { if (v == "NA" || v == "") print "n/a"; else printf "%.*f", d, v }'; }
mb1() { awk -v b="$1" 'BEGIN { if (b == "") print "n/a"; else printf "%.1f", b / 1048576 }'; }   # bytes -> MB, one decimal
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "NA" || b == "NA" || b == 0) print "NA"; else printf "%.3f", a/b }'; }

# ---------------------------------------------------------------- build what is measured
[ -f "$home/hook/CloudWatchApm.Agent.StartupHook.dll" ] || CWAPM_ARTIFACTS="$artifacts" bash build/build.sh
publish() { # PROJECT NAME [dotnet publish options...]
  local project=$1 name=$2
  shift 2
  note "publishing $name"
  dotnet publish "$project" -nologo -v:q -c Release -o "$bench/$name" --artifacts-path "$artifacts/obj/bench-$name" "$@" >"$work/publish-$name.log" 2>&1 \
    || { cat "$work/publish-$name.log" >&2; die "publishing $project failed"; }
}
say "publishing the test apps and the harness (Release)"
publish tests/apps/WebApp/WebApp.csproj WebApp -f net10.0
publish tests/apps/TemplateApp/TemplateApp.csproj TemplateApp
publish tests/apps/BenchApp/BenchApp.csproj BenchApp
publish tests/apps/BenchAppHandWired/BenchAppHandWired.csproj BenchAppHandWired
publish tests/Benchmarks/Tools/CloudWatchApm.Agent.Benchmarks.Tools.csproj tools
wants micro && publish tests/Benchmarks/CloudWatchApm.Agent.Benchmarks.csproj micro
harness=(dotnet "$bench/tools/CloudWatchApm.Agent.Benchmarks.Tools.dll")
runtime_version=$(dotnet --list-runtimes | awk '/Microsoft.NETCore.App 10/ {print $2}' | tail -n1)

# ---------------------------------------------------------------- shared services
need_services=false
for s in startup steady outage; do wants "$s" && need_services=true; done

start_postgres() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    # Keep the package's maintainer scripts from starting a system-wide server.
    local policy=/usr/sbin/policy-rc.d added=false
    if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null; $sudo chmod +x "$policy"; added=true; fi
    apt_install postgresql
    [ "$added" = true ] && $sudo rm -f "$policy"
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
  fi
  free_port pg_port
  pg_data="$work/pg"
  mkdir -p "$pg_data"
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || die "user postgres missing (reinstall the postgresql package)"
    chown postgres:postgres "$pg_data"
    as_pg=(runuser -u postgres --)
  fi
  say "starting PostgreSQL on 127.0.0.1:$pg_port (data in $pg_data)"
  "${as_pg[@]}" "$bin/initdb" -D "$pg_data" -U postgres -A trust -E UTF8 --no-sync --no-locale >"$work/initdb.log" 2>&1 \
    || { cat "$work/initdb.log" >&2; die "initdb failed"; }
  pg_ctl="$bin/pg_ctl"
  "${as_pg[@]}" "$pg_ctl" -D "$pg_data" -l "$pg_data/server.log" -w -t 60 \
    -o "-p $pg_port -h 127.0.0.1 -k $pg_data -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=600" start >/dev/null \
    || { cat "$pg_data/server.log" >&2; die "PostgreSQL did not start"; }
  "${as_pg[@]}" "$bin/psql" -q -h 127.0.0.1 -p "$pg_port" -U postgres -v ON_ERROR_STOP=1 -c "CREATE DATABASE bench" >/dev/null
  "${as_pg[@]}" "$bin/psql" -q -h 127.0.0.1 -p "$pg_port" -U postgres -d bench -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
CREATE TABLE orders (id int PRIMARY KEY, customer text NOT NULL, total numeric(10,2) NOT NULL, status text NOT NULL);
INSERT INTO orders SELECT i, 'customer-' || i, (i * 7 % 500) + 0.5, 'open' FROM generate_series(1, 100) AS i;
SQL
  bench_db="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=bench;Pooling=true;Maximum Pool Size=64;No Reset On Close=true"
}

start_downstream() {
  free_port downstream_port
  spawn "$work/downstream.log" none -- "${harness[@]}" downstream --port "$downstream_port"
  downstream_pid=$spawned
  wait_http "http://127.0.0.1:$downstream_port/prices/1" 60 "$downstream_pid" || { cat "$work/downstream.log" >&2; die "the downstream service did not start"; }
}

# start_receiver NAME -> sets receiver_port, receiver_control, receiver_pid (stats file $work/NAME.stats)
start_receiver() {
  local name=$1
  if [ $# -ge 3 ]; then receiver_port=$2; receiver_control=$3; else free_port receiver_port; free_port receiver_control; fi
  spawn "$work/receiver-$name.log" none -- "${harness[@]}" receiver --port "$receiver_port" --control-port "$receiver_control" --stats-file "$work/$name.stats"
  receiver_pid=$spawned
  wait_http "http://127.0.0.1:$receiver_control/stats" 60 "$receiver_pid" || { cat "$work/receiver-$name.log" >&2; die "the OTLP receiver did not start"; }
}
receiver_spans() { kv "$(curl -fs "http://127.0.0.1:$1/stats")" spans; }
# Waits until the receiver's span count has not moved for 6 s (longer than the batch
# processor's 5 s schedule, so nothing is still queued in a live app); prints it.
receiver_settle() {
  local control=$1 before after
  before=$(receiver_spans "$control")
  while :; do sleep 6; after=$(receiver_spans "$control"); [ "$after" = "$before" ] && break; before=$after; done
  echo "$after"
}

if [ "$need_services" = true ]; then
  command -v wrk >/dev/null || { wants steady && apt_install wrk; }
  start_postgres
  start_downstream
fi

doc_sections=()
targets=()    # "what|target|measured|verdict"
add_target() { targets+=("$1|$2|$3|$4|${5:-}"); }   # what target measured verdict [what the cost is made of]
verdict_le() { awk -v v="$1" -v t="$2" -v u="$3" 'BEGIN { if (v == "NA" || v == "") print "not measured"; else if (v <= t) print "met"; else printf "missed by %.1f %s\n", v - t, u }'; }
verdict_ge() { awk -v v="$1" -v t="$2" -v u="$3" -v d="${4:-3}" 'BEGIN { if (v == "NA" || v == "") print "not measured"; else if (v >= t) print "met"; else printf "missed by %.*f%s\n", d, t - v, u }'; }

# ================================================================= start-up
# The start-up poll starts no process: a loop of curl and sleep (one process each every 5 ms)
# kept about 60% of a CPU busy (/usr/bin/time over 3 s), which the app's own start then
# competed with on a 2-core machine. get_ok sends one GET over bash's /dev/tcp; nap sleeps
# with `read -t` on a FIFO that never has data.
nap_fifo="$work/nap.fifo"
mkfifo "$nap_fifo"
exec {nap_fd}<>"$nap_fifo"
rm -f "$nap_fifo"
nap() { local unused; read -r -t "$1" -u "$nap_fd" unused || true; }
get_ok() { # URL (http://HOST:PORT/PATH) -> true when it answers 200
  local rest=${1#http://} fd line
  local hostport=${rest%%/*} path="/${rest#*/}"
  exec {fd}<>"/dev/tcp/${hostport%:*}/${hostport##*:}" || return 1
  printf 'GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$path" "$hostport" >&"$fd"
  read -r -t 5 -u "$fd" line || line=
  exec {fd}>&-
  [[ $line == "HTTP/1.1 200"* ]]
}

# ttfr DLL URL MODE PORT [VAR=value ...] -> prints "milliseconds peak_rss_kb cpu_ms"
ttfr() {
  local dll=$1 url=$2 mode=$3 port=$4 start pid t cpu rss
  shift 4
  start=$(now_ms)
  spawn /dev/null "$mode" OTEL_SERVICE_NAME=bench OTEL_DOTNET_AUTO_LOG_DIRECTORY="$work/startup-logs" \
    ASPNETCORE_URLS="http://127.0.0.1:$port" BENCH_DB="${bench_db:-}" DOWNSTREAM_URL="http://127.0.0.1:${downstream_port:-0}/" "$@" -- dotnet "$dll"
  pid=$spawned
  until get_ok "$url" 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null || { forget "$pid"; echo "bench.sh: $dll ($mode) exited before answering $url" >&2; return 1; }
    nap 0.005
  done
  t=$(( $(now_ms) - start ))
  cpu=$(( $(cpu_ticks "$pid") * 1000 / clk_tck ))
  sleep 0.3
  rss=$(status_kb "$pid" VmHWM)
  stop "$pid"
  echo "$t $rss $cpu"
}

# startup_pair LABEL DLL PATH [HANDWIRED_DLL] -> alternating runs into
# $work/startup-LABEL-{none,agent} (and -handwired: the same app with the SDK wired in its code);
# pair_env holds variables every start of the pair gets (both modes alike); pair_runs, when set,
# replaces RUNS for the pair
pair_env=()
startup_pair() {
  local label=$1 dll=$2 path=$3 hand=${4:-} port i n=${pair_runs:-$runs}
  free_port port
  note "warm-up ($label)"
  ttfr "$dll" "http://127.0.0.1:$port$path" none "$port" "${pair_env[@]}" >/dev/null
  ttfr "$dll" "http://127.0.0.1:$port$path" agent "$port" "${pair_env[@]}" >/dev/null
  [ -z "$hand" ] || ttfr "$hand" "http://127.0.0.1:$port$path" none "$port" "${pair_env[@]}" >/dev/null
  : > "$work/startup-$label-none"; : > "$work/startup-$label-agent"; rm -f "$work/startup-$label-handwired"
  for i in $(seq 1 "$n"); do
    ttfr "$dll" "http://127.0.0.1:$port$path" none "$port" "${pair_env[@]}" >> "$work/startup-$label-none"
    ttfr "$dll" "http://127.0.0.1:$port$path" agent "$port" "${pair_env[@]}" >> "$work/startup-$label-agent"
    [ -z "$hand" ] || ttfr "$hand" "http://127.0.0.1:$port$path" none "$port" "${pair_env[@]}" >> "$work/startup-$label-handwired"
    note "run $i: none $(tail -n1 "$work/startup-$label-none" | cut -d' ' -f1) ms, agent $(tail -n1 "$work/startup-$label-agent" | cut -d' ' -f1) ms$([ -z "$hand" ] || echo ", hand-wired $(tail -n1 "$work/startup-$label-handwired" | cut -d' ' -f1) ms")"
  done
  # One more agent start at debug level: the agent log then says what its start-up is made of.
  rm -rf "$work/startup-logs"
  ttfr "$dll" "http://127.0.0.1:$port$path" agent "$port" "${pair_env[@]}" OTEL_LOG_LEVEL=debug >/dev/null
  # The home's path is this machine's: the report says <home>.
  grep -hE "stage '|started in|waited|loading path|returned to the application|providers ready" "$work"/startup-logs/*.log 2>/dev/null \
    | sed -E 's/^[^]]*\] *//; s/^ *//' | sed "s|$home|<home>|g" | cut -c1-220 > "$work/startup-$label-stages" || true
}

# startup_table LABEL -> sets added, added_mb, added_cpu; writes the rows to $work/startup-LABEL.rows
startup_table() {
  local label=$1 n="$work/startup-$1-none" a="$work/startup-$1-agent"
  local n_med a_med n_spr a_spr n_rss a_rss n_cpu a_cpu
  n_med=$(cut -d' ' -f1 "$n" | median); a_med=$(cut -d' ' -f1 "$a" | median)
  n_spr=$(cut -d' ' -f1 "$n" | spread); a_spr=$(cut -d' ' -f1 "$a" | spread)
  n_rss=$(cut -d' ' -f2 "$n" | median); a_rss=$(cut -d' ' -f2 "$a" | median)
  n_cpu=$(cut -d' ' -f3 "$n" | median); a_cpu=$(cut -d' ' -f3 "$a" | median)
  # The added time is the median of the per-run differences, with its 95% interval.
  read -r added added_low added_high < <(paired "$n" "$a")
  added_ci=$( [ "$added_low" = NA ] && echo "too few runs for a 95% interval" || echo "95% interval $added_low to $added_high ms")
  added_mb=$(awk -v a="$a_rss" -v n="$n_rss" 'BEGIN {printf "%.1f", (a-n)/1024}')
  added_cpu=$(awk -v a="$a_cpu" -v n="$n_cpu" 'BEGIN {print a-n}')
  local r r_cpu
  r=$(awk -v a="$a_med" -v n="$n_med" 'BEGIN {printf "%.2f", a/n}')
  r_cpu=$(awk -v a="$a_cpu" -v n="$n_cpu" 'BEGIN { if (n > 0) printf "%.2f", a/n; else print "n/a" }')
  cat > "$work/startup-$label.rows" <<MD
| | median | spread (min-max); for the added time, its 95% interval | CPU time to first response (median) | peak RSS (median) |
|---|---|---|---|---|
| no agent | $n_med ms | $n_spr ms | $n_cpu ms | $((n_rss / 1024)) MB |
| agent (traces, metrics, logs on; OTLP to an absent collector) | $a_med ms | $a_spr ms | $a_cpu ms | $((a_rss / 1024)) MB |
| **added by the agent** | **$added ms** (x$r) | $added_ci | **$added_cpu ms** (x$r_cpu) | **$added_mb MB** |
MD
  local h="$work/startup-$label-handwired" h_med h_spr h_rss h_cpu
  [ -s "$h" ] || return 0
  h_med=$(cut -d' ' -f1 "$h" | median); h_spr=$(cut -d' ' -f1 "$h" | spread)
  h_rss=$(cut -d' ' -f2 "$h" | median); h_cpu=$(cut -d' ' -f3 "$h" | median)
  cat >> "$work/startup-$label.rows" <<MD
| SDK wired by hand in the app (BenchAppHandWired, no agent; same exporters) | $h_med ms | $h_spr ms | $h_cpu ms | $((h_rss / 1024)) MB |
| **added by wiring the SDK by hand** | **$(awk -v a="$h_med" -v n="$n_med" 'BEGIN {print a-n}') ms** | | **$(awk -v a="$h_cpu" -v n="$n_cpu" 'BEGIN {print a-n}') ms** | **$(awk -v a="$h_rss" -v n="$n_rss" 'BEGIN {printf "%.1f", (a-n)/1024}') MB** |
MD
  hand_vs_agent=$(awk -v a="$a_med" -v h="$h_med" 'BEGIN {print a-h}')
}

if wants startup; then
  say "start-up: hello world (tests/apps/WebApp, GET /health), $hello_runs runs each, alternating"
  pair_runs=$hello_runs startup_pair hello "$bench/WebApp/WebApp.dll" /health
  startup_table hello
  hello_rows=$(cat "$work/startup-hello.rows")
  hello_added=$added; hello_added_mb=$added_mb; hello_added_cpu=$added_cpu
  hello_ci=$added_ci; hello_high=$added_high
  say "start-up: the Empty template (tests/apps/TemplateApp, GET /), $runs runs each, alternating"
  # Run as from its own folder, as a deployed app is: the content root holds appsettings.json.
  pair_env=(ASPNETCORE_CONTENTROOT="$bench/TemplateApp")
  startup_pair template "$bench/TemplateApp/TemplateApp.dll" /
  pair_env=()
  startup_table template
  template_rows=$(cat "$work/startup-template.rows")
  template_added=$added; template_added_cpu=$added_cpu
  say "start-up: realistic app (tests/apps/BenchApp, GET /orders/1), $runs runs each, alternating"
  startup_pair real "$bench/BenchApp/BenchApp.dll" /orders/1 "$bench/BenchAppHandWired/BenchAppHandWired.dll"
  hand_vs_agent=""
  startup_table real
  real_rows=$(cat "$work/startup-real.rows")
  real_added=$added; real_added_mb=$added_mb

  {
    cat <<MD
## Start-up: time to first successful response, .NET 10

$runs runs each ($hello_runs for the hello world), alternating without/with the agent; time from process start to the first 200
(polled every 5 ms over bash's /dev/tcp, without starting a process per poll);
CPU time to first response is the process's user+sys time (/proc/<pid>/stat, all threads) at
that moment, which a busy machine inflates far less than wall-clock time; peak RSS (VmHWM) read
just after. The added time is the median of the per-run differences (each agent start against
the start without it just before), with an interval that holds that median with at least 95%
confidence (sign test; it needs 6 runs or more); medians and spreads are per configuration.

### Hello world (tests/apps/WebApp, GET /health)

$hello_rows

### Hello world as the Empty template makes it (tests/apps/TemplateApp, GET /)

\`dotnet new web\` unchanged: console logging at Information (the framework's own at Warning) from
the template's appsettings.json. The hello world above clears its logging providers, so there
the agent's log export is the only logging the app has; here the app pays for its own.

$template_rows

### Realistic app (tests/apps/BenchApp, GET /orders/1: routing, a PostgreSQL query, an HttpClient call)

$real_rows

The hand-wired row is the same app with the OpenTelemetry SDK set up in its own code the usual
way (providers built on the main thread while the host is built); the agent's first response
came $( [ -n "$hand_vs_agent" ] && awk -v d="$hand_vs_agent" 'BEGIN { if (d <= 0) printf "%d ms earlier than", -d; else printf "%d ms later than", d }' || echo "n/a against" ) that (medians).

Targets: added time to first response <= 40 ms (issue: zero-code agent), <= 20 ms (issue:
performance); added resident memory <= 15 MB. Against 40 ms, the hello world's added time
$(awk -v m="$hello_added" -v h="$hello_high" 'BEGIN {
  if (h != "NA" && h != "" && h <= 40) printf "is within the target with at least 95%% confidence (the interval ends at %s ms)", h
  else if (m != "NA" && m <= 40) printf "has its median within the target, but its interval reaches %s ms", h
  else printf "misses the target (median %s ms)", m }').

What the agent's start-up is made of (one more start of each app with \`OTEL_LOG_LEVEL=debug\`;
the agent log's own stage timings, each with the JIT compilation its thread did within it;
building the providers runs in the background while the app starts, and a "waited" line, when there is one, is what the first request then still
waited for them):

\`\`\`
hello world:
$(sed 's/^/  /' "$work/startup-hello-stages")
Empty template:
$(sed 's/^/  /' "$work/startup-template-stages")
realistic app:
$(sed 's/^/  /' "$work/startup-real-stages")
\`\`\`
MD
  } > "$results/10-startup.md"
  doc_sections+=("$results/10-startup.md")
  # "traces 82.3 ms (JIT 26.2 ms)": a stage's wall time and the JIT compilation on its thread within it
  stages=$(grep -oE "stage '[A-Za-z ]+' took [0-9.]+ ms(, of which JIT [0-9.]+ ms)?" "$work/startup-hello-stages" \
    | sed -E "s/stage '([A-Za-z ]+)' took ([0-9.]+) ms, of which JIT ([0-9.]+) ms/\2\t\1 \2 ms (JIT \3 ms)/; s/stage '([A-Za-z ]+)' took ([0-9.]+) ms$/\2\t\1 \2 ms/" \
    | sort -t$'\t' -k1,1 -rn | head -n4 | cut -f2 | paste -sd';' - | sed "s/;/, /g")
  add_target "added time to first response, hello world, .NET 10" "<= 20 ms" "$hello_added ms ($hello_ci; CPU time: +$hello_added_cpu ms)" "$(verdict_le "$hello_added" 20 ms)" \
    "agent stages in a debug run (background ones overlap the host's start): ${stages:-n/a}"
  add_target "added time to first response, the Empty template's hello world (dotnet new web)" "<= 20 ms" "$template_added ms (CPU time: +$template_added_cpu ms)" "$(verdict_le "$template_added" 20 ms)"
  add_target "added resident memory (peak RSS at first response), hello world" "<= 15 MB" "$hello_added_mb MB" "$(verdict_le "$hello_added_mb" 15 MB)"
  add_target "added resident memory (peak RSS at first response), realistic app" "<= 15 MB" "$real_added_mb MB" "$(verdict_le "$real_added_mb" 15 MB)"
  echo "hello_added_ms=$hello_added hello_added_mb=$hello_added_mb real_added_ms=$real_added real_added_mb=$real_added_mb" > "$results/startup.env"
fi

# ================================================================= steady state
variants=${VARIANTS:-none handwired agent agent10 appsignals notraces nometrics}
describe_variant() {
  case $1 in
    none) echo "no agent" ;;
    handwired) echo "SDK wired by hand (BenchAppHandWired, no agent)" ;;
    agent) echo "agent, 100% sampling, OTLP gRPC" ;;
    agent10) echo "agent, 10% sampling (parentbased_traceidratio 0.1)" ;;
    appsignals) echo "agent, Application Signals on" ;;
    notraces) echo "agent without traces (OTEL_TRACES_EXPORTER=none; metrics and logs on)" ;;
    nometrics) echo "agent without metrics (OTEL_METRICS_EXPORTER=none; traces and logs on)" ;;
  esac
}

# start_variant NAME -> app_port[NAME], app_pid[NAME], rcv_control[NAME]
declare -A app_port app_pid rcv_control rcv_pid
start_variant() {
  local v=$1 port dll mode="agent" vars=()
  free_port port
  dll="$bench/BenchApp/BenchApp.dll"
  if [ "$v" != none ]; then
    start_receiver "$v"
    rcv_control[$v]=$receiver_control
    rcv_pid[$v]=$receiver_pid
    vars+=(OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$receiver_port" OTEL_SERVICE_NAME="bench-$v" OTEL_DOTNET_AUTO_LOG_DIRECTORY="$work/logs-$v")
  fi
  case $v in
    none) mode=none ;;
    handwired) mode=none; dll="$bench/BenchAppHandWired/BenchAppHandWired.dll" ;;
    agent10) vars+=(OTEL_TRACES_SAMPLER=parentbased_traceidratio OTEL_TRACES_SAMPLER_ARG=0.1) ;;
    notraces) vars+=(OTEL_TRACES_EXPORTER=none) ;;
    nometrics) vars+=(OTEL_METRICS_EXPORTER=none) ;;
    appsignals) vars+=(OTEL_AWS_APPLICATION_SIGNALS_ENABLED=true OTEL_AWS_APPLICATION_SIGNALS_EXPORTER_ENDPOINT="http://127.0.0.1:$receiver_control/v1/metrics") ;;
  esac
  spawn "$work/app-$v.log" "$mode" ASPNETCORE_URLS="http://127.0.0.1:$port" BENCH_DB="$bench_db" DOWNSTREAM_URL="http://127.0.0.1:$downstream_port/" "${vars[@]}" -- dotnet "$dll"
  app_port[$v]=$port
  app_pid[$v]=$spawned
  wait_http "http://127.0.0.1:$port/orders/1" 120 "$spawned" || { cat "$work/app-$v.log" >&2; die "variant $v did not start"; }
}

cat > "$work/orders.lua" <<'LUA'
-- GET /orders/1 .. /orders/100 in turn
local n = 0
request = function()
  n = n % 100 + 1
  return wrk.format("GET", "/orders/" .. n)
end
LUA

# saturate VARIANT SECONDS -> "rps cpu_ms_per_req alloc_bytes_per_req requests errors export_cpu_ms_per_req"
saturate() {
  local v=$1 secs=$2 pid=${app_pid[$1]} port=${app_port[$1]} c0 c1 x0 x1 a0 a1 out reqs rps errs
  a0=$(kv "$(curl -fs --retry 3 --retry-all-errors -m 10 "http://127.0.0.1:$port/bench/stats")" allocated)
  c0=$(cpu_ticks "$pid"); x0=$(export_ticks "$pid")
  out=$(wrk -t1 -c"$connections" -d"${secs}s" -s "$work/orders.lua" "http://127.0.0.1:$port" 2>&1)
  printf '%s\n%s\n' "== $v" "$out" >> "$work/wrk.log"
  c1=$(cpu_ticks "$pid"); x1=$(export_ticks "$pid")
  a1=$(kv "$(curl -fs --retry 3 --retry-all-errors -m 10 "http://127.0.0.1:$port/bench/stats")" allocated)
  reqs=$(awk '/requests in/ {print $1}' <<<"$out")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  errs=$(awk '/Non-2xx/ {n+=$NF} /Socket errors/ {gsub(/,/,""); n+=$4+$6+$8+$10} END {print n+0}' <<<"$out")
  [ -n "$reqs" ] && [ "$reqs" -gt 0 ] || { echo "$out" >&2; die "wrk measured nothing on $v"; }
  # An allocation count that could not be read is NA, never a made-up zero.
  awk -v r="$rps" -v c=$((c1 - c0)) -v x=$((x1 - x0)) -v hz="$clk_tck" -v n="$reqs" -v a0="${a0:-}" -v a1="${a1:-}" -v e="$errs" \
    'BEGIN { a = (a0 == "" || a1 == "") ? "NA" : sprintf("%.0f", (a1 - a0) / n); printf "%s %.4f %s %d %d %.4f\n", r, c * 1000 / hz / n, a, n, e, x * 1000 / hz / n }'
}

if wants steady; then
  say "steady state: starting the variants of tests/apps/BenchApp (each exporting one with its own receiver)"
  for v in $variants; do start_variant "$v"; note "$v: $(describe_variant "$v") on port ${app_port[$v]}"; done

  say "steady state: warm-up, ${warmup_seconds}s of wrk per variant"
  for v in $variants; do saturate "$v" "$warmup_seconds" >/dev/null; done
  # Warm-up spans are flushed before counting (the batch processor exports every 5 s).
  sleep 6
  for v in $variants; do [ "$v" = none ] || curl -fs -X POST "http://127.0.0.1:${rcv_control[$v]}/reset" >/dev/null; done
  declare -A total_requests
  for v in $variants; do total_requests[$v]=0; done

  say "steady state: saturation, $rounds rounds x ${steady_seconds}s per variant, $connections connections, order rotated each round"
  : > "$results/steady-saturation.tsv"
  read -ra list <<<"$variants"
  for r in $(seq 1 "$rounds"); do
    for k in $(seq 0 $(( ${#list[@]} - 1 ))); do
      v=${list[$(( (k + r - 1) % ${#list[@]} ))]}
      line=$(saturate "$v" "$steady_seconds")
      echo "$r $v $line" >> "$results/steady-saturation.tsv"
      # + the two GET /bench/stats around the window (one server span each)
      total_requests[$v]=$(( ${total_requests[$v]} + $(cut -d' ' -f4 <<<"$line") + 2 ))
      note "round $r $v: $(cut -d' ' -f1 <<<"$line") req/s, $(cut -d' ' -f2 <<<"$line") ms CPU/req, $(cut -d' ' -f3 <<<"$line") B/req"
    done
  done

  # Per variant: medians over rounds; ratios to "none" are medians of per-round ratios.
  med_of() { awk -v v="$1" -v c="$2" '$2 == v { print $c }' "$results/steady-saturation.tsv" | median; }
  ratio_of() { # VARIANT BASE COLUMN
    round_ratios "$@" | median
  }
  # per_round VARIANT BASE COLUMN FILE ratio|difference -> the variant against the base, one line per round
  per_round() {
    awk -v v="$1" -v b="$2" -v c="$3" -v op="$5" '$2 == v && $c != "NA" { x[$1] = $c } $2 == b && $c != "NA" { y[$1] = $c }
      END { for (r in x) if (r in y) { if (op == "difference") print x[r] - y[r]; else if (y[r] > 0) print x[r] / y[r] } }' "$4"
  }
  round_ratios() { per_round "$1" "$2" "$3" "$results/steady-saturation.tsv" ratio; }   # VARIANT BASE COLUMN
  # fixed_added VARIANT BASE -> "+median (+low to +high)": the CPU ms/request a variant adds at the
  # fixed rate, median of the per-round differences with its 95% interval
  fixed_added() {
    [ "$1" != "$2" ] || { echo "-"; return; }
    per_round "$1" "$2" 7 "$results/steady-fixed.tsv" difference \
      | sign_interval | awk '{ if ($1 == "NA") print "n/a"; else if ($2 == "NA") printf "%+.4f (n/a)", $1; else printf "%+.4f (%+.4f to %+.4f)", $1, $2, $3 }'
  }
  # ratio_ci VARIANT BASE COLUMN -> "low-high", the 95% interval of the median per-round ratio
  ratio_ci() { [ "$1" != "$2" ] || { echo "-"; return; }; round_ratios "$@" | sign_interval | awk '{ if ($2 == "NA") print "n/a"; else printf "%.3f-%.3f", $2, $3 }'; }

  rps_min=""
  for v in $variants; do
    m=$(med_of "$v" 3)
    rps_min=$(awk -v a="$rps_min" -v b="$m" 'BEGIN { if (a == "" || b < a) print b; else print a }')
  done
  fixed_rate=${FIXED_RATE:-$(awk -v r="$rps_min" 'BEGIN { x = int(r * 0.25 / 10) * 10; if (x < 10) x = 10; print x }')}

  say "steady state: fixed rate $fixed_rate req/s (open loop), $fixed_rounds rounds x ${fixed_seconds}s per variant"
  : > "$results/steady-fixed.tsv"
  for r in $(seq 1 "$fixed_rounds"); do
    for k in $(seq 0 $(( ${#list[@]} - 1 ))); do
      v=${list[$(( (k + r - 1) % ${#list[@]} ))]}
      c0=$(cpu_ticks "${app_pid[$v]}")
      line=$("${harness[@]}" load --url "http://127.0.0.1:${app_port[$v]}/orders/{n}" --rate "$fixed_rate" --seconds "$fixed_seconds" --connections 64)
      c1=$(cpu_ticks "${app_pid[$v]}")
      # CPU time per request below saturation: a second view of the same cost, with the thread
      # pool's spinning while it waits for work in it.
      fcpu=$(awk -v c=$((c1 - c0)) -v hz="$clk_tck" -v n="$(kv "$line" ok)" 'BEGIN { if (n > 0) printf "%.4f", c * 1000 / hz / n; else print "NA" }')
      echo "$r $v $(kv "$line" p50_ms) $(kv "$line" p99_ms) $(kv "$line" errors) $(kv "$line" ok) $fcpu" >> "$results/steady-fixed.tsv"
      total_requests[$v]=$(( ${total_requests[$v]} + $(kv "$line" ok) ))
      note "round $r $v: p50 $(kv "$line" p50_ms) ms, p99 $(kv "$line" p99_ms) ms, errors $(kv "$line" errors), $fcpu ms CPU/req"
    done
  done
  delta() { awk -v a="$(med_of "$1" "$3")" -v b="$(med_of "$2" "$3")" -v d="$4" 'BEGIN { if (a == "NA" || b == "NA") print "n/a"; else printf "%+.*f", d, a - b }'; }
  # The agent's added CPU per request split by what turning a signal off saves (medians).
  breakdown_text() {
    [ -n "${app_pid[notraces]:-}" ] && [ -n "${app_pid[nometrics]:-}" ] && [ -n "${app_pid[agent]:-}" ] && [ -n "${app_pid[none]:-}" ] || return 0
    awk -v a="$(med_of agent 4)" -v n="$(med_of none 4)" -v t="$(med_of notraces 4)" -v m="$(med_of nometrics 4)" 'BEGIN {
      if (a == "NA" || n == "NA" || t == "NA" || m == "NA") exit
      printf "\nWhat the agent'"'"'s added CPU per request is made of (medians of the same rounds): it adds %.4f ms;\n", a - n
      printf "its traces account for %.4f ms (agent minus the agent without traces), its metrics for %.4f ms\n", a - t, a - m
      r = (a - n) - (a - t) - (a - m)
      if (r >= 0) printf "(agent minus the agent without metrics), and %.4f ms is neither (logs, propagation).\n", r
      else printf "(agent minus the agent without metrics); the two savings overlap by %.4f ms, work that either\nswitch removes (with traces off, for one, metrics record no exemplars).\n", -r }'
  }
  fmed_of() { awk -v v="$1" -v c="$2" '$2 == v { print $c }' "$results/steady-fixed.tsv" | median; }

  # Profile where the CPU goes under the same load, after the measured runs (so every variant
  # had the same warm-up before them); the profiled requests are counted for spans/request.
  profile_text=""
  profile_variants=${PROFILE_VARIANTS:-agent handwired}
  if [ "$profile" = 1 ]; then
    trace_tool="$artifacts/tools/dotnet-trace"
    if [ ! -x "$trace_tool" ]; then
      dotnet tool install dotnet-trace --version 10.0.750501 --tool-path "$artifacts/tools" >/dev/null 2>&1 \
        || dotnet tool install dotnet-trace --tool-path "$artifacts/tools" >/dev/null 2>&1 || true
    fi
    for pv in $profile_variants; do
      [ -n "${app_pid[$pv]:-}" ] || continue
      if [ ! -x "$trace_tool" ]; then
        profile_text="(dotnet-trace could not be installed: no profile)"
        break
      fi
      say "steady state: CPU profile of variant $pv under wrk load (${profile_seconds}s, dotnet-trace)"
      wrk -t1 -c"$connections" -d"$((profile_seconds + 6))s" -s "$work/orders.lua" "http://127.0.0.1:${app_port[$pv]}" >"$work/wrk-profile-$pv.log" 2>&1 &
      wrk_pid=$!
      started+=("$wrk_pid")
      sleep 2
      duration="00:00:00:$(printf '%02d' "$profile_seconds")"
      trace="$results/$pv-steady.nettrace"
      # Kernel CPU sampling (perf_events; needs root) shows where CPU time goes; where that is
      # not possible, EventPipe's thread-time sampling (which also counts waiting threads).
      profile_kind="CPU samples (dotnet-trace collect-linux, perf_events)"
      if ! "$trace_tool" collect-linux -p "${app_pid[$pv]}" --profile cpu-sampling --duration "$duration" \
          -o "$trace" >"$work/trace-$pv.log" 2>&1 || [ ! -s "$trace" ]; then
        profile_kind="thread-time samples (dotnet-trace collect; waiting threads included)"
        "$trace_tool" collect -p "${app_pid[$pv]}" --profile dotnet-sampled-thread-time --duration "$duration" \
          -o "$trace" >>"$work/trace-$pv.log" 2>&1 || true
      fi
      wait "$wrk_pid" 2>/dev/null || true
      forget "$wrk_pid"
      total_requests[$pv]=$(( ${total_requests[$pv]} + $(awk '/requests in/ {print $1}' "$work/wrk-profile-$pv.log" | head -n1) + 0 ))
      if [ -s "$trace" ]; then
        "$trace_tool" report "$trace" topN -n 400 --inclusive > "$results/$pv-steady-top-inclusive.txt" 2>&1 || true
        frames=$(grep -E "OpenTelemetry|CloudWatchApm|Otlp|Propagat|Sampler|BatchExport|ActivitySource|Activity[.:]|DiagnosticsHandler|DiagnosticListener|HostingApplicationDiagnostics|Baggage|EventSource|Meter|Histogram|Aggregator" \
          "$results/$pv-steady-top-inclusive.txt" | sed -E 's/^ *[0-9]+\. +//; s/ +([0-9.]+%) +[0-9.]+% *$/  \1/' | head -40)
        profile_text+=$(
          echo; echo "**$(describe_variant "$pv")**: $profile_kind over ${profile_seconds} s of wrk load; the frames of"
          echo "telemetry code among the process's 400 most frequent stack frames, with the share of all samples"
          echo "in which each was on the stack (inclusive: nested frames overlap, and DiagnosticsHandler frames hold"
          echo "the whole outgoing call). Full listing: results/$pv-steady-top-inclusive.txt. Stacks through code"
          echo "without frame data get merged, so these shares can put more under the export path than it uses:"
          echo "the export threads' own CPU time is measured per thread above (threads named OpenTelemetry-*)."
          echo; echo '```'; echo "${frames:-(no telemetry frames among the top 400)}"; echo '```'
        )$'\n'
      else
        profile_text+="(dotnet-trace produced no trace for $pv: $(tail -n2 "$work/trace-$pv.log" | tr '\n' ' '))"$'\n'
      fi
    done
  fi

  # What each variant's receiver got: spans per request says whether export and sampling worked.
  say "steady state: flushing (stopping the apps) and counting what the receivers got"
  declare -A spans_got rss_end anon_end file_end heap_end committed_end live_end
  for v in $variants; do
    rss_end[$v]=$(status_kb "${app_pid[$v]}" VmRSS)
    anon_end[$v]=$(status_kb "${app_pid[$v]}" RssAnon)
    file_end[$v]=$(status_kb "${app_pid[$v]}" RssFile)
    # RSS first: the full collection the second call asks for changes it.
    end_stats=$(curl -fs -m 30 "http://127.0.0.1:${app_port[$v]}/bench/stats?collect=true") \
      || { echo "bench.sh: GET /bench/stats?collect=true failed for $v" >&2; end_stats=""; }
    heap_end[$v]=$(kv "$end_stats" heap); committed_end[$v]=$(kv "$end_stats" committed); live_end[$v]=$(kv "$end_stats" live)
  done
  for v in $variants; do stop "${app_pid[$v]}"; done
  for v in $variants; do
    [ "$v" = none ] && continue
    spans_got[$v]=$(receiver_settle "${rcv_control[$v]}")
  done
  appsignals_metric_posts=0
  if [ -n "${rcv_control[appsignals]:-}" ]; then
    appsignals_metric_posts=$(kv "$(curl -fs "http://127.0.0.1:${rcv_control[appsignals]}/stats")" http_metric_requests)
  fi
  for v in $variants; do [ "$v" = none ] || stop "${rcv_pid[$v]}"; done
  appsignals_known="yes"
  if ! grep -rqi "application signals" "$work/logs-appsignals" 2>/dev/null; then appsignals_known="no"; fi

  rows=""
  memrows=""
  for v in $variants; do
    rps=$(med_of "$v" 3); cpu=$(med_of "$v" 4); alloc=$(med_of "$v" 5)
    rr=$(ratio_of "$v" none 3); cr=$(ratio_of "$v" none 4)
    p50=$(fmed_of "$v" 3); p99=$(fmed_of "$v" 4); fcpu=$(fmed_of "$v" 7)
    errs=$(awk -v v="$v" '$2 == v { n += $7 } END { print n+0 }' "$results/steady-saturation.tsv")
    ferrs=$(awk -v v="$v" '$2 == v { n += $5 } END { print n+0 }' "$results/steady-fixed.tsv")
    spr="-"
    [ "$v" = none ] || spr=$(awk -v s="${spans_got[$v]}" -v n="${total_requests[$v]}" 'BEGIN { if (n > 0) printf "%.2f", s / n; else print "n/a" }')
    rows+="| $(describe_variant "$v") | $(fmt "$rps") | $(fmt "$rr" 3) ($(ratio_ci "$v" none 3)) | $(fmt "$cpu" 3) | $(fmt "$cr" 3) ($(ratio_ci "$v" none 4)) | $(fmt "$alloc") | $(fmt "$p50" 2) | $(fmt "$p99" 2) | $(fmt "$fcpu" 3) | $(fixed_added "$v" none) | $((${rss_end[$v]} / 1024)) MB | $spr | $((errs + ferrs)) |"$'\n'
    memrows+="| $(describe_variant "$v") | $((${rss_end[$v]} / 1024)) MB | $((${anon_end[$v]} / 1024)) MB | $((${file_end[$v]} / 1024)) MB | $((${heap_end[$v]:-0} / 1048576)) MB | $((${committed_end[$v]:-0} / 1048576)) MB | $(mb1 "${live_end[$v]:-}") MB |"$'\n'
    echo "${v}_rps=$rps ${v}_rps_ratio=$rr ${v}_cpu=$cpu ${v}_cpu_ratio=$cr ${v}_alloc=$alloc ${v}_p50=$p50 ${v}_p99=$p99 ${v}_rss_kb=${rss_end[$v]}" >> "$results/steady.env"
  done
  agent_vs_hand_rps=$(ratio_of agent handwired 3)
  agent_vs_hand_cpu=$(ratio_of agent handwired 4)
  agent10_vs_hand_rps=$(ratio_of agent10 handwired 3)

  {
    cat <<MD
## Steady state: the realistic app (tests/apps/BenchApp, GET /orders/{id})

Each request: routing, one PostgreSQL query (Npgsql, local server), one HttpClient call to a
local downstream service, a JSON answer. All the variants run at once on their own ports (each
exporting one with its own local OTLP gRPC receiver that counts spans), after a ${warmup_seconds} s warm-up
each. **Saturation**: wrk, 1 thread, $connections connections, ${steady_seconds} s per variant per round,
$rounds rounds, the order rotated every round: short rounds, many of them, so that the variants
compared within a round ran seconds apart; CPU time per request is the app process's user+sys
time (/proc/<pid>/stat) over the requests wrk completed, allocation per request is
GC.GetTotalAllocatedBytes over the same window. Allocation per request is exact whatever else
runs; CPU time per request moves less than requests/s with other load on the machine, but it
does move (contention, thread-pool spinning): raw per-round figures are in
results/steady-saturation.tsv. Ratios are medians of the per-round ratios to "no agent" (same
round), in brackets the interval that holds that median with at least 95% confidence (sign test,
as for the start-up). **Fixed rate**: $fixed_rate requests/s (25% of the slowest variant's saturation rate
unless FIXED_RATE is set), open loop (latency counted from each request's due time), ${fixed_seconds} s
per variant per round, $fixed_rounds rounds, medians over rounds; its CPU time per request is the
process's user+sys time over the requests answered in the round (it includes the thread pool's
spinning while it waits for work, which a ratio would dilute: the added time is given, the median
of the per-round differences to "no agent", with its interval). Spans/request: spans the variant's receiver got
divided by the requests it served (the app was stopped, so flushed, first): 3 is server + database
+ HttpClient; 10% sampling should give about 0.3.

| variant | req/s (median) | req/s vs no agent (95% interval) | CPU ms/request | CPU vs no agent (95% interval) | bytes allocated/request | p50 ms at $fixed_rate/s | p99 ms at $fixed_rate/s | CPU ms/request at $fixed_rate/s | added CPU ms/request at $fixed_rate/s (95% interval) | RSS at end | spans/request exported | errors |
|---|---|---|---|---|---|---|---|---|---|---|---|---|
$rows
Memory at the end (after every round; RSS split into anonymous memory, which holds the GC heap
and JIT-compiled code, and file-backed pages, which hold the mapped assemblies including the
agent's ReadyToRun code; GC heap = GC.GetTotalMemory without a collection; GC committed = what
the GC holds from the OS, which it sizes from the machine's cache and the allocation rate; live
heap = GC.GetTotalMemory after a full blocking collection, taken last):

| variant | RSS | anonymous | file-backed | GC heap | GC committed | live heap |
|---|---|---|---|---|---|---|
$memrows
CPU time of the SDK's own threads (the batch export workers and the metric reader, threads named
OpenTelemetry-*) per request at saturation, medians: $(for v in $variants; do [ "$v" = none ] && continue; printf '%s %s ms; ' "$v" "$(fmt "$(med_of "$v" 8)" 4)"; done)
the rest of each variant's added CPU is spent on the request threads (activities, metrics, propagation).
$(breakdown_text)

Agent vs SDK wired by hand (same rounds): requests/s x$(fmt "$agent_vs_hand_rps" 3) ($(ratio_ci agent handwired 3)), CPU time per
request x$(fmt "$agent_vs_hand_cpu" 3) ($(ratio_ci agent handwired 4)); agent at 10% vs hand-wired at 100%: requests/s x$(fmt "$agent10_vs_hand_rps" 3).
Application Signals: the agent log $( [ "$appsignals_known" = yes ] && echo "names Application Signals (the variable is known)" || echo "does not mention Application Signals: the agent may not know OTEL_AWS_APPLICATION_SIGNALS_ENABLED yet, and the row then measures the default agent" ); its OTLP/HTTP metric
exports received: ${appsignals_metric_posts:-0} (the export interval is 60 s, so short runs may see none).

The hand-wired variant exports traces, metrics and logs like the agent's defaults (see
tests/apps/BenchApp/Program.cs, HAND_WIRED); the agent also adds its resource detectors, its
span post-processing (SQL sanitising of database spans) and propagation through the runtime's
DistributedContextPropagator.
MD
    if [ -n "$profile_text" ]; then
      printf '\n### Where the CPU goes under load (dotnet-trace, %s s per variant)\n\n%s\n' "$profile_seconds" "$profile_text"
    fi
  } > "$results/20-steady.md"
  doc_sections+=("$results/20-steady.md")
  a_rr=$(ratio_of agent none 3); a_cr=$(ratio_of agent none 4)
  t_rr=$(ratio_of agent10 none 3); t_cr=$(ratio_of agent10 none 4)
  if [ -n "${app_pid[agent]:-}" ] && [ -n "${app_pid[none]:-}" ]; then
    add_target "throughput, realistic app, 100% sampling, OTLP export" ">= 0.97 of no agent" "x$(fmt "$a_rr" 3) req/s (95% interval $(ratio_ci agent none 3)); CPU/request x$(fmt "$a_cr" 3) ($(ratio_ci agent none 4)); at $fixed_rate/s CPU/request $(fixed_added agent none) ms" "$(verdict_ge "$a_rr" 0.97 "")" \
      "per request: CPU $(delta agent none 4 3) ms (on the SDK's export threads: $(fmt "$(med_of agent 8)" 3) ms), allocations $(delta agent none 5 0) B (hand-wired SDK: $(delta handwired none 5 0) B); where the CPU goes: profile under Steady state"
    steady_added_mb=$(awk -v a="${rss_end[agent]}" -v n="${rss_end[none]}" 'BEGIN { printf "%.1f", (a - n) / 1024 }')
    add_target "added resident memory, realistic app after load (RSS agent - no agent)" "<= 15 MB" "$steady_added_mb MB" "$(verdict_le "$steady_added_mb" 15 MB)" \
      "anonymous $(( (${anon_end[agent]} - ${anon_end[none]}) / 1024 )) MB (GC committed $(( (${committed_end[agent]:-0} - ${committed_end[none]:-0}) / 1048576 )) MB; live heap after a full GC $(mb1 "$(( ${live_end[agent]:-0} - ${live_end[none]:-0} ))") MB, hand-wired $(mb1 "$(( ${live_end[handwired]:-0} - ${live_end[none]:-0} ))") MB), file-backed $(( (${file_end[agent]} - ${file_end[none]}) / 1024 )) MB; hand-wired SDK: $(( (${rss_end[handwired]:-${rss_end[none]}} - ${rss_end[none]}) / 1024 )) MB"
  fi
  if [ -n "${app_pid[agent10]:-}" ] && [ -n "${app_pid[none]:-}" ]; then
    add_target "throughput, 10% sampling" ">= 0.99 of no agent" "x$(fmt "$t_rr" 3) req/s (95% interval $(ratio_ci agent10 none 3)); CPU/request x$(fmt "$t_cr" 3) ($(ratio_ci agent10 none 4)); at $fixed_rate/s CPU/request $(fixed_added agent10 none) ms" "$(verdict_ge "$t_rr" 0.99 "")" \
      "per request: CPU $(delta agent10 none 4 3) ms (on the SDK's export threads: $(fmt "$(med_of agent10 8)" 3) ms), allocations $(delta agent10 none 5 0) B (unsampled spans are still created for propagation, and metrics are recorded for every request)"
  fi
  if [ -n "${app_pid[agent]:-}" ] && [ -n "${app_pid[handwired]:-}" ]; then
    add_target "agent vs hand-wired SDK" "no slower (>= 1.00)" "x$(fmt "$agent_vs_hand_rps" 3) req/s (95% interval $(ratio_ci agent handwired 3)); CPU/request x$(fmt "$agent_vs_hand_cpu" 3) ($(ratio_ci agent handwired 4)); at $fixed_rate/s CPU/request $(fixed_added agent handwired) ms" "$(verdict_ge "$agent_vs_hand_rps" 1.0 "")" \
      "per request vs hand-wired: CPU $(delta agent handwired 4 3) ms, allocations $(delta agent handwired 5 0) B"
  fi
fi

# ================================================================= export capacity
if wants capacity; then
  say "export capacity: spans/s through ActivitySource BenchApp.Spans, default settings, ${capacity_seconds}s per rate"
  start_receiver capacity
  cap_control=$receiver_control
  cap_port=$receiver_port
  capacity_best=0
  cap_rows=""
  for rate in $capacity_rates; do
    curl -fs -X POST "http://127.0.0.1:$cap_control/reset" >/dev/null
    logdir="$work/logs-capacity-$rate"
    spawn "$work/capacity-$rate.log" agent OTEL_SERVICE_NAME=bench-capacity OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$cap_port" \
      OTEL_DOTNET_AUTO_TRACES_ADDITIONAL_SOURCES=BenchApp.Spans OTEL_DOTNET_AUTO_LOG_DIRECTORY="$logdir" \
      -- dotnet "$bench/BenchApp/BenchApp.dll" spans "$rate" "$capacity_seconds"
    pid=$spawned
    while kill -0 "$pid" 2>/dev/null; do sleep 0.5; done
    wait "$pid" 2>/dev/null || true
    forget "$pid"
    line=$(grep -E '^created=' "$work/capacity-$rate.log" || true)
    [ -n "$line" ] || { cat "$work/capacity-$rate.log" >&2; die "the span generator printed nothing at $rate/s"; }
    created=$(kv "$line" created); achieved=$(kv "$line" achieved_rate); peak=$(kv "$line" peak_rss_kb)
    received=$(receiver_settle "$cap_control")
    dropped=$((created - received))
    [ "$dropped" -ge 0 ] || dropped=0
    logsays=$(grep -hiE "drop" "$logdir"/*.log 2>/dev/null | sed -E 's/^[^]]*\] *//' | head -n1 | cut -c1-160 || true)
    ok_rate=$(awk -v a="$achieved" -v r="$rate" 'BEGIN { print (a >= 0.95 * r) ? 1 : 0 }')
    if [ "$dropped" -eq 0 ] && [ "$ok_rate" = 1 ] && [ "$rate" -gt "$capacity_best" ]; then capacity_best=$rate; fi
    pct=$(awk -v d="$dropped" -v c="$created" 'BEGIN { if (c > 0) printf "%.1f", 100 * d / c; else print "0" }')
    cap_rows+="| $rate | $achieved | $created | $received | $dropped ($pct%) | $((peak / 1024)) MB | ${logsays:-nothing about drops} |"$'\n'
    note "$rate/s: achieved $achieved/s, created $created, received $received, dropped $dropped, peak RSS $((peak / 1024)) MB"
  done
  stop "$receiver_pid"
  {
    cat <<MD
## Export capacity: spans per second the default configuration exports

tests/apps/BenchApp in span-generator mode under the agent (default batch processor: queue 2048,
batch 512, 5 s delay; OTLP gRPC to a local receiver), ${capacity_seconds} s per rate; one span = name,
kind, 3 attributes, through an ActivitySource named in OTEL_DOTNET_AUTO_TRACES_ADDITIONAL_SOURCES.
Dropped = created - received after the app exited (the agent flushes on exit). "Achieved" is the
rate the single generating thread reached; a rate counts as exported without drops only when it
was reached (>= 95%) and nothing was dropped.

| target spans/s | achieved spans/s | created | received | dropped | peak RSS | agent log on drops (first line) |
|---|---|---|---|---|---|---|
$cap_rows
Highest rate exported with zero drops: **$capacity_best spans/s**.
MD
  } > "$results/30-capacity.md"
  doc_sections+=("$results/30-capacity.md")
  add_target "spans exported with zero drops, default settings" ">= 20,000 per second" "$capacity_best /s (highest rate tried with 0 drops)" "$(verdict_ge "$capacity_best" 20000 " /s" 0)" \
    "one export thread, 512-span batches from a 2048-span queue; above the capacity the queue overflows (see Export capacity)"
fi

# ================================================================= collector outage
if wants outage; then
  say "collector outage: realistic app under $outage_rate req/s; receiver down ${outage_seconds}s after ${outage_before}s, then ${outage_after}s more"
  free_port out_port; free_port out_control
  start_receiver outage1 "$out_port" "$out_control"
  free_port app
  spawn "$work/app-outage.log" agent ASPNETCORE_URLS="http://127.0.0.1:$app" BENCH_DB="$bench_db" DOWNSTREAM_URL="http://127.0.0.1:$downstream_port/" \
    OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$out_port" OTEL_SERVICE_NAME=bench-outage OTEL_DOTNET_AUTO_LOG_DIRECTORY="$work/logs-outage" \
    -- dotnet "$bench/BenchApp/BenchApp.dll"
  out_pid=$spawned
  wait_http "http://127.0.0.1:$app/orders/1" 120 "$out_pid" || { cat "$work/app-outage.log" >&2; die "the outage app did not start"; }
  # The control: the same app, settings and load at the same time, with a receiver that stays
  # up. An app still grows in its first minutes (tiered JIT, GC heap sizing) whatever the
  # collector does; the outage's own cost is the outage app's growth minus the control's.
  out_receiver_pid=$receiver_pid
  start_receiver outage-control
  ctl_receiver_pid=$receiver_pid
  receiver_pid=$out_receiver_pid   # the outage section below stops and restarts the outage app's receiver
  free_port ctl_app
  spawn "$work/app-outage-control.log" agent ASPNETCORE_URLS="http://127.0.0.1:$ctl_app" BENCH_DB="$bench_db" DOWNSTREAM_URL="http://127.0.0.1:$downstream_port/" \
    OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$receiver_port" OTEL_SERVICE_NAME=bench-outage-control OTEL_DOTNET_AUTO_LOG_DIRECTORY="$work/logs-outage-control" \
    -- dotnet "$bench/BenchApp/BenchApp.dll"
  ctl_pid=$spawned
  wait_http "http://127.0.0.1:$ctl_app/orders/1" 120 "$ctl_pid" || { cat "$work/app-outage-control.log" >&2; die "the outage control app did not start"; }
  "${harness[@]}" load --url "http://127.0.0.1:$ctl_app/orders/{n}" --rate "$outage_rate" --seconds 10 >/dev/null

  # Spans per request, measured: warm up, let everything flush, then count one calibration run.
  "${harness[@]}" load --url "http://127.0.0.1:$app/orders/{n}" --rate "$outage_rate" --seconds 5 >/dev/null
  receiver_settle "$out_control" >/dev/null
  curl -fs -X POST "http://127.0.0.1:$out_control/reset" >/dev/null
  cal=$("${harness[@]}" load --url "http://127.0.0.1:$app/orders/{n}" --rate "$outage_rate" --seconds 5)
  cal_spans=$(receiver_settle "$out_control")
  spr=$(awk -v s="$cal_spans" -v n="$(kv "$cal" ok)" 'BEGIN { printf "%.3f", s / n }')
  note "calibration: $(kv "$cal" ok) requests -> $cal_spans spans ($spr per request)"
  curl -fs -X POST "http://127.0.0.1:$out_control/reset" >/dev/null

  # Memory every second, from /proc (no request to the app, so no extra spans).
  ( while kill -0 "$out_pid" 2>/dev/null; do echo "$(date +%s) $(status_kb "$out_pid" VmRSS) $(status_kb "$ctl_pid" VmRSS)"; sleep 1; done ) > "$results/outage-rss.tsv" &
  sampler_pid=$!
  started+=("$sampler_pid")

  run_load() {
    "${harness[@]}" load --url "http://127.0.0.1:$ctl_app/orders/{n}" --rate "$outage_rate" --seconds "$1" >/dev/null &
    local ctl_load=$!
    "${harness[@]}" load --url "http://127.0.0.1:$app/orders/{n}" --rate "$outage_rate" --seconds "$1"
    wait "$ctl_load" || true
  }
  t0=$(date +%s)
  before=$(run_load "$outage_before")
  t1=$(date +%s)
  stop "$receiver_pid"                          # writes $work/outage1.stats
  received_before=$(kv "$(cat "$work/outage1.stats")" spans)
  during=$(run_load "$outage_seconds")
  t2=$(date +%s)
  start_receiver outage2 "$out_port" "$out_control"
  after=$(run_load "$outage_after")
  t3=$(date +%s)
  # peak_kb FROM TO COLUMN -> the highest RSS sample between two times (column 2: the outage app, 3: the control)
  peak_kb() { awk -v a="$1" -v b="$2" -v c="$3" '$1 >= a && $1 <= b { print $c }' "$results/outage-rss.tsv" | sort -n | tail -n1; }
  rss_before=$(peak_kb "$t0" "$t1" 2)
  rss_during=$(peak_kb "$t1" "$t2" 2)
  rss_after=$(peak_kb "$t2" "$t3" 2)
  ctl_before=$(peak_kb "$t0" "$t1" 3)
  ctl_during=$(peak_kb "$t1" "$t2" 3)
  stop "$ctl_pid"
  stop "$ctl_receiver_pid"
  stop "$out_pid"
  stop "$sampler_pid"
  received_after=$(receiver_settle "$out_control")
  stop "$receiver_pid"

  ok_b=$(kv "$before" ok); ok_d=$(kv "$during" ok); ok_a=$(kv "$after" ok)
  expected=$(awk -v n=$((ok_b + ok_d + ok_a)) -v s="$spr" 'BEGIN { printf "%.0f", n * s }')
  made_during=$(awk -v n="$ok_d" -v s="$spr" 'BEGIN { printf "%.0f", n * s }')
  made_after=$(awk -v n="$ok_a" -v s="$spr" 'BEGIN { printf "%.0f", n * s }')
  received_total=$((received_before + received_after))
  lost=$((expected - received_total)); [ "$lost" -ge 0 ] || lost=0
  recovered=$((received_after - made_after)); [ "$recovered" -ge 0 ] || recovered=0
  raw_growth_mb=$(awk -v d="$rss_during" -v b="$rss_before" 'BEGIN { printf "%.1f", (d - b) / 1024 }')
  ctl_growth_mb=$(awk -v d="$ctl_during" -v b="$ctl_before" 'BEGIN { printf "%.1f", (d - b) / 1024 }')
  growth_mb=$(awk -v r="$raw_growth_mb" -v c="$ctl_growth_mb" 'BEGIN { printf "%.1f", r - c }')
  failures=$(grep -hciE "fail|unavailable|error" "$work"/logs-outage/*.log 2>/dev/null | awk '{n+=$1} END {print n+0}')
  droplines=$(grep -hiE "drop|shut down on" "$work"/logs-outage/*.log 2>/dev/null | sed -E 's/^[^]]*\] *//' | cut -c1-200 | sort | uniq -c | sort -rn | head -n3 || true)
  {
    cat <<MD
## Collector outage: receiver stopped for ${outage_seconds} s under steady load

tests/apps/BenchApp under the agent (default settings), $outage_rate requests/s open loop throughout,
next to a control instance under the same load whose collector stays up;
the receiver is stopped (SIGTERM, so the port refuses connections) after ${outage_before} s and started
again on the same port ${outage_seconds} s later; ${outage_after} s of load follow. Spans per request were measured
before the run on the same app ($spr). RSS sampled every second from /proc.

| phase | requests ok | errors | p50 ms | p99 ms | max RSS |
|---|---|---|---|---|---|
| before (${outage_before} s) | $ok_b | $(kv "$before" errors) | $(kv "$before" p50_ms) | $(kv "$before" p99_ms) | $((rss_before / 1024)) MB |
| collector down (${outage_seconds} s) | $ok_d | $(kv "$during" errors) | $(kv "$during" p50_ms) | $(kv "$during" p99_ms) | $((rss_during / 1024)) MB |
| after it came back (${outage_after} s) | $ok_a | $(kv "$after" errors) | $(kv "$after" p50_ms) | $(kv "$after" p99_ms) | $((rss_after / 1024)) MB |

- Memory growth while the collector was down: **$growth_mb MB** attributable to the outage: the
  outage app grew $raw_growth_mb MB (max RSS during the outage minus max before) while the control
  (the same app and load at the same time, its collector up) grew $ctl_growth_mb MB. After the
  collector came back the outage app grew $(awk -v a="$rss_after" -v d="$rss_during" 'BEGIN { printf "%+.1f", (a - d) / 1024 }') MB more.
- Spans: about $expected made in all ($made_during while the collector was down), $received_total received
  ($received_before before the outage, $received_after after it came back, of which about $recovered were held
  through the outage and delivered late); **$lost dropped**.
- Agent log: $failures lines about failures; on drops and at shutdown:
$(if [ -n "$droplines" ]; then sed 's/^/  - /' <<<"$droplines"; else echo "  - nothing"; fi)
MD
  } > "$results/40-outage.md"
  doc_sections+=("$results/40-outage.md")
  add_target "memory growth during a ${outage_seconds}-second collector outage" "<= 5 MB" "$growth_mb MB (outage app +$raw_growth_mb MB, control +$ctl_growth_mb MB)" "$(verdict_le "$growth_mb" 5 MB)" \
    "about $lost spans lost, against $made_during made while the collector was down"
fi

# ================================================================= micro-benchmarks
if wants micro; then
  say "micro-benchmarks (BenchmarkDotNet, in-process, MemoryDiagnoser$( [ "$quick" = 1 ] && echo ", short job"))"
  micro_args=(micro --out "$results/micro.tsv" --artifacts "$bench/bdn")
  [ "$quick" = 1 ] && micro_args+=(--quick)
  dotnet "$bench/micro/CloudWatchApm.Agent.Benchmarks.dll" "${micro_args[@]}" > "$work/micro.log" 2>&1 || { tail -n 40 "$work/micro.log" >&2; die "micro-benchmarks failed"; }
  micro_rows=$(awk -F'\t' '{ printf "| %s | %s | %s | %s |\n", $1, $2, ($3 == "NA" ? "n/a" : sprintf("%.1f", $3)), $5 }' "$results/micro.tsv")
  allocating=$(awk -F'\t' '$2 !~ /reference/ && $5 != "0" && $5 != "NA" { n++ } END { print n+0 }' "$results/micro.tsv")
  total_owned=$(awk -F'\t' '$2 !~ /reference/ { n++ } END { print n+0 }' "$results/micro.tsv")
  {
    cat <<MD
## Micro-benchmarks: the agent's per-span code

BenchmarkDotNet 0.15.8, in-process toolchain, $( [ "$quick" = 1 ] && echo "short job (3 iterations of 100 ms: nanoseconds are rough)" || echo "5 warm-up and 15 measured iterations" ), MemoryDiagnoser
(allocated bytes per operation are exact). Rows marked "reference" are the SDK's or the runtime's
own code doing the same job, for scale. Source: tests/Benchmarks/Micro/.

| class | benchmark | ns/op | bytes/op |
|---|---|---|---|
$micro_rows
MD
  } > "$results/50-micro.md"
  doc_sections+=("$results/50-micro.md")
  # A "<span> + <processor>" row is reported as its difference to the "<span> (reference)" row.
  allocators=$(awk -F'\t' '{ bytes[$2] = $5; order[NR] = $2 }
    END { for (i = 1; i <= NR; i++) { d = order[i]; b = bytes[d]
      if (d ~ /reference/ || b == "0" || b == "NA") continue
      p = index(d, " + "); if (p > 0) { ref = substr(d, 1, p - 1) " (reference)"; if (ref in bytes) { b = b - bytes[ref]; d = substr(d, p + 3) " on a fresh span" } }
      printf "%s%s %s B", (n++ ? "; " : ""), d, b } }' "$results/micro.tsv")
  add_target "allocations in the agent's own per-span code" "0 bytes where the work allows" "$allocating of $total_owned benchmarks allocate" "$( [ "$allocating" = 0 ] && echo met || echo "see the list: some of it is the result the work needs")" \
    "${allocators:-none}"
fi

# ================================================================= the report
say "writing $out"
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
load=$(cut -d' ' -f1-3 /proc/loadavg)
{
  cat <<MD
# Benchmarks

Written by \`build/bench.sh\`; every figure in a table comes from one run of it, measured side
by side (runs alternate between the configurations).

- Date: $(date -u +%Y-%m-%d)
- Machine: $(nproc) cores ($cpu), $(awk '/MemTotal/ {printf "%d", $2 / 1048576}' /proc/meminfo) GiB, $(uname -sr); load average at the end: $load
- Runtime: .NET $runtime_version, agent $(cat "$home/VERSION") (ReadyToRun)
- Sections: $sections$( [ "$quick" = 1 ] && echo " — **QUICK=1 validation run: short runs, figures are not meaningful**")
$( [ -n "${BENCH_NOTE:-}" ] && echo "- Note: $BENCH_NOTE")
MD
  if [ ${#targets[@]} -gt 0 ]; then
    cat <<MD

## Targets (issue: performance)

| what | target | measured | | what the cost is made of |
|---|---|---|---|---|
MD
    for t in "${targets[@]}"; do
      IFS='|' read -r what target measured verdict notes <<<"$t"
      echo "| $what | $target | $measured | $verdict | $notes |"
    done
  fi
  for f in "${doc_sections[@]}"; do echo; cat "$f"; done
} > "$out"
echo "==> wrote $out (raw results in $results)"
