#!/usr/bin/env bash
# Runs every test: builds the agent home, assembles the private .NET 8/9 runtimes, publishes
# the test apps, then runs the unit and integration tests. Works on a fresh machine of the
# project's kind (the .NET 10 SDK on PATH; everything else comes from NuGet).
#
#   build/test.sh                 # everything
#   build/test.sh --unit          # unit tests only (no build of the agent home)
#   TEST_FILTER=ZeroCode build/test.sh   # integration tests whose name contains ZeroCode
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
say() { printf '\n==> %s\n' "$*"; }
command -v dotnet >/dev/null 2>&1 || { echo "test.sh: the .NET SDK 10 is required (dotnet not on PATH)" >&2; exit 1; }

unit_only=false
[ "${1:-}" = "--unit" ] && unit_only=true
results="$root/artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"

if [ "$unit_only" = false ]; then
  say "building the agent home"
  bash build/build.sh
  say "building the init images (OCI layout and docker load tarballs, linux-x64 and linux-arm64)"
  bash build/container/build-image.sh
  say "assembling .NET 8 and 9 from NuGet runtime packs"
  bash build/runtimes.sh >/dev/null
  say "publishing the test applications"
  bash build/publish-testapps.sh
  say "installing the test servers (PostgreSQL, MariaDB, Redis, RabbitMQ) when missing"
  bash build/test-services.sh
fi

status=0
run_tests() { # project filter
  local project=$1 filter=${2:-}
  local name
  name=$(basename "$project" .csproj)
  say "running $name${filter:+ (filter: $filter)}"
  local args=(test "$project" -nologo -c Release --logger "console;verbosity=normal" --logger "trx;LogFileName=$name.trx" --results-directory "$results")
  [ -n "$filter" ] && args+=(--filter "$filter")
  dotnet "${args[@]}" 2>&1 | tee "$results/$name.log" || status=1
}

run_tests tests/CloudWatchApm.Agent.Tests/CloudWatchApm.Agent.Tests.csproj
if [ "$unit_only" = false ]; then
  run_tests tests/CloudWatchApm.Agent.IntegrationTests/CloudWatchApm.Agent.IntegrationTests.csproj "${TEST_FILTER:+FullyQualifiedName~$TEST_FILTER}"
fi

# One closing line over both runs, in the plain form CI reads.
passed=0; failed=0; skipped=0
for log in "$results"/*.log; do
  # dotnet test's summary at normal verbosity: "Total tests: N", "     Passed: N", "     Failed: N", "    Skipped: N".
  grep -qE '^Total tests: [0-9]+' "$log" || { echo "test.sh: no test summary in $log (build failure?)" >&2; status=1; continue; }
  p=$(grep -E '^ +Passed: [0-9]+' "$log" | tail -n1 | grep -oE '[0-9]+' || echo 0)
  f=$(grep -E '^ +Failed: [0-9]+' "$log" | tail -n1 | grep -oE '[0-9]+' || echo 0)
  s=$(grep -E '^ +Skipped: [0-9]+' "$log" | tail -n1 | grep -oE '[0-9]+' || echo 0)
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
done
[ "$failed" -gt 0 ] && status=1
if [ "$failed" -gt 0 ]; then
  # Repeat each failure (name, message, start of its stack and output) at the end, where a CI
  # tail shows it; in the logs above it sits among hundreds of passing lines.
  say "failed tests"
  for log in "$results"/*.log; do
    awk '
      /^  Failed / { on = 1; n = 0 }
      on && (/^  (Passed|Skipped) / || /^\[xUnit/ || /^Test Run / || /^Total tests:/) { on = 0 }
      on { if (n < 60) print; else if (n == 60) print "  ... (rest in the log)"; n++ }
    ' "$log"
  done
fi
echo
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
