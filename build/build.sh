#!/usr/bin/env bash
# Builds the agent home at artifacts/cwapm/ and the tarball
# artifacts/cwapm-<version>-linux-x64.tar.gz (+ .sha256).
#
#   build/build.sh            # Release build, ReadyToRun agent
#   CWAPM_R2R=false build/build.sh   # IL-only agent (faster build, slower app start-up)
#   CWAPM_R2R_CROSS_MODULE=false build/build.sh   # ReadyToRun without cross-module generics
#                                    # (see CloudWatchApm.Agent.csproj; smaller images, more JIT)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
config=${CONFIGURATION:-Release}
r2r=${CWAPM_R2R:-true}
cross_module=${CWAPM_R2R_CROSS_MODULE:-true}
rid=${CWAPM_RID:-linux-x64}
artifacts="${CWAPM_ARTIFACTS:-$root/artifacts}"
home="$artifacts/cwapm"
work="$artifacts/obj"

say() { printf '\n==> %s\n' "$*"; }

command -v dotnet >/dev/null 2>&1 || { echo "build.sh: the .NET SDK 10 is required (dotnet not on PATH)" >&2; exit 1; }
version=$(sed -n 's|.*<Version Condition="[^"]*">\([^<]*\)</Version>.*|\1|p' build/Common.props | head -n1)
[ -n "$version" ] || { echo "build.sh: cannot read <Version> from build/Common.props" >&2; exit 1; }

say "building CloudWatch APM .NET agent $version ($config, $rid, ReadyToRun=$r2r, cross-module generics=$cross_module)"
rm -rf "$home" "$work"
mkdir -p "$home/hook" "$home/cli" "$work"


# ReadyToRun code is only used by the runtime major version it was compiled for, so the
# agent is published once per supported runtime into agent/net<major>.0/ (the hook picks).
for tfm in net8.0 net9.0 net10.0; do
  say "publishing the agent for $tfm into agent/$tfm/"
  dotnet publish src/CloudWatchApm.Agent/CloudWatchApm.Agent.csproj -nologo -v:q -c "$config" \
    -r "$rid" --self-contained false -p:PublishReadyToRun="$r2r" -p:AgentCrossModuleReadyToRun="$cross_module" -p:AgentTargetFramework="$tfm" \
    --artifacts-path "$work/build-$tfm" -o "$work/agent-$tfm"
  mkdir -p "$home/agent/$tfm"
  find "$work/agent-$tfm" -maxdepth 1 -name '*.dll' -exec cp {} "$home/agent/$tfm/" \;
done

say "building the startup hook into hook/"
dotnet build src/CloudWatchApm.Agent.StartupHook/CloudWatchApm.Agent.StartupHook.csproj -nologo -v:q -c "$config" --artifacts-path "$work/build-hook" -o "$work/hook"
cp "$work/hook/CloudWatchApm.Agent.StartupHook.dll" "$home/hook/"

say "publishing the cwapm CLI into cli/"
dotnet publish src/CloudWatchApm.Cli/CloudWatchApm.Cli.csproj -nologo -v:q -c "$config" --artifacts-path "$work/build-cli" -o "$work/cli"
find "$work/cli" -maxdepth 1 \( -name '*.dll' -o -name '*.json' \) -exec cp {} "$home/cli/" \;
cp build/cwapm-launcher.sh "$home/cwapm"
cp build/instrument.sh "$home/instrument.sh"
chmod +x "$home/cwapm" "$home/instrument.sh"

say "generating the DiagnosticSource lift for .NET 8/9 (additional-deps/, store/)"
# The .NET 8/9 dependency graph decides what must be lifted (the net8.0 build's deps.json).
bash build/lift-diagnosticsource.sh "$work/agent-net8.0" "$home"

printf '%s\n' "$version" > "$home/VERSION"
cp LICENSE "$home/LICENSE"

say "writing checksums.sha256"
(cd "$home" && find . -type f ! -name checksums.sha256 | sed 's|^\./||' | LC_ALL=C sort | xargs sha256sum > checksums.sha256)

tarball="$artifacts/cwapm-$version-$rid.tar.gz"
say "packing $(basename "$tarball")"
tar -C "$artifacts" -czf "$tarball" cwapm
(cd "$artifacts" && sha256sum "$(basename "$tarball")" > "$(basename "$tarball").sha256")
# For machines with only the tarball and a shell: the installer travels beside it.
cp build/install.sh "$artifacts/install.sh"

say "done: $home ($(du -sh "$home" | cut -f1)), $(basename "$tarball") ($(du -h "$tarball" | cut -f1))"
