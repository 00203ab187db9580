#!/usr/bin/env bash
# Generates, from the agent's own dependency graph, the files that let the agent's newer
# framework assemblies (today System.Diagnostics.DiagnosticSource 10, which OpenTelemetry needs)
# load inside .NET 8/9 framework-dependent apps:
#
#   build/lift-diagnosticsource.sh <agent-publish-dir> <agent-home-dir>
#
#   <home>/additional-deps/shared/Microsoft.NETCore.App/{8.0.0,9.0.0}/CloudWatchApm.Agent.deps.json
#   <home>/store/<arch>/{netcoreapp3.1,net5.0,...,net9.0}/<package path>/runtimes/unix/lib/<tfm>/<name>.dll
#
# Used as DOTNET_ADDITIONAL_DEPS=<home>/additional-deps DOTNET_SHARED_STORE=<home>/store. The
# folder form applies only to 8.0.x and 9.0.x runtimes, never to .NET 10+ or the SDK.
# <agent-publish-dir> is `dotnet publish -c Release -r <rid> --self-contained false` output of
# the agent (it holds CloudWatchApm.Agent.deps.json and every dependency dll). <arch> is the
# architecture of that RID (x64 for linux-x64 and linux-musl-x64, arm64 for linux-arm64): the
# host probes the store under its own architecture, so the store is per architecture. An assembly is
# lifted when the agent carries it at a higher assembly version than the .NET 8 (resp. 9) shared
# framework; the frameworks are read from the private dotnet root of build/runtimes.sh
# (CWAPM_RUNTIMES_ROOT, default $CWAPM_ARTIFACTS/runtimes/dotnet, CWAPM_ARTIFACTS defaulting to
# <repo>/artifacts; made when missing).
# Rewrites <home>/additional-deps and <home>/store completely on every run.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tool="$repo/build/tools/LiftDiagnosticSource/LiftDiagnosticSource.csproj"

log() { echo "lift-diagnosticsource.sh: $*" >&2; }
die() { echo "lift-diagnosticsource.sh: error: $*" >&2; exit 1; }

[ $# -eq 2 ] || die "usage: $0 <agent-publish-dir> <agent-home-dir>"
publish=$1
home=$2
[ -d "$publish" ] || die "agent publish folder '$publish' does not exist"
[ -f "$publish/CloudWatchApm.Agent.deps.json" ] ||
  die "'$publish' has no CloudWatchApm.Agent.deps.json; publish the agent with: dotnet publish -c Release -r linux-x64 --self-contained false"
mkdir -p "$home"

runtimes=${CWAPM_RUNTIMES_ROOT:-${CWAPM_ARTIFACTS:-$repo/artifacts}/runtimes/dotnet}
log "making sure $runtimes has the .NET 8 and 9 shared frameworks to compare with"
"$repo/build/runtimes.sh" "$runtimes" >/dev/null || die "build/runtimes.sh failed; cannot read the .NET 8/9 frameworks"

log "building the generator $tool"
build_log=$(mktemp "${TMPDIR:-/tmp}/cwapm-lift-build.XXXXXX")
trap 'rm -f "$build_log"' EXIT
if ! dotnet build "$tool" -c Release --nologo -v q >"$build_log" 2>&1; then
  cat "$build_log" >&2
  die "the generator did not build"
fi

log "generating additional-deps and store in $home from $publish"
dotnet run --project "$tool" -c Release --no-build --no-launch-profile -- \
  --agent "$publish" --home "$home" --runtimes "$runtimes" --deps-name CloudWatchApm.Agent ||
  die "the generator failed (see above)"
