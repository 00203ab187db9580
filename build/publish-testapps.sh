#!/usr/bin/env bash
# Publishes the integration tests' applications into artifacts/testapps/<App>-<variant>/:
# the web app framework-dependent for .NET 8, 9 and 10 and self-contained for 8 and 10,
# console and worker apps, the app that brings its own OpenTelemetry (two versions), the app
# that uses the database, cache, messaging and gRPC libraries, the manually instrumented app, and
# the app that uses the AWS SDK (DynamoDB, SQS).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="${CWAPM_ARTIFACTS:-$root/artifacts}/testapps"
mkdir -p "$out"
cd "$root"

publish() { # name project tfm variant [extra args...]
  local name=$1 project=$2 tfm=$3 variant=$4
  shift 4
  local dest="$out/$name-$variant"
  echo "==> test app $name-$variant"
  rm -rf "$dest"
  dotnet publish "$project" -nologo -v:q -c Release -f "$tfm" -o "$dest" -p:UseAppHost=true "$@"
}

publish WebApp tests/apps/WebApp/WebApp.csproj net10.0 net10.0
publish WebApp tests/apps/WebApp/WebApp.csproj net9.0 net9.0
publish WebApp tests/apps/WebApp/WebApp.csproj net8.0 net8.0
publish WebApp tests/apps/WebApp/WebApp.csproj net10.0 net10.0-sc -r linux-x64 --self-contained true
publish WebApp tests/apps/WebApp/WebApp.csproj net8.0 net8.0-sc -r linux-x64 --self-contained true
publish ConsoleApp tests/apps/ConsoleApp/ConsoleApp.csproj net10.0 net10.0
publish ConsoleApp tests/apps/ConsoleApp/ConsoleApp.csproj net8.0 net8.0
publish WorkerApp tests/apps/WorkerApp/WorkerApp.csproj net10.0 net10.0
publish SelfInstrumentedApp tests/apps/SelfInstrumentedApp/SelfInstrumentedApp.csproj net10.0 otel1.20
publish AwsWebApp tests/apps/AwsWebApp/AwsWebApp.csproj net10.0 net10.0
publish LibrariesApp tests/apps/LibrariesApp/LibrariesApp.csproj net10.0 net10.0
publish ManualApp tests/apps/ManualApp/ManualApp.csproj net10.0 net10.0
publish ManualApp tests/apps/ManualApp/ManualApp.csproj net8.0 net8.0
# An older SDK than the agent's, built from a copy so the two restores do not share obj/.
copy="${CWAPM_ARTIFACTS:-$root/artifacts}/obj/SelfInstrumentedApp-otel1.15"
rm -rf "$copy" && mkdir -p "$copy"
cp tests/apps/SelfInstrumentedApp/*.cs tests/apps/SelfInstrumentedApp/*.csproj "$copy/"
publish SelfInstrumentedApp "$copy/SelfInstrumentedApp.csproj" net10.0 otel1.15 \
  -p:OpenTelemetryVersion=1.15.3 -p:AspNetCoreInstrumentationVersion=1.15.2
echo "==> test apps ready in $out"
