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
hook_dll="$work/hook/CloudWatchApm.Agent.StartupHook.dll"
# The hook runs before every instrumented app's Main and is built for .NET Core 3.1 (so that it
# loads anywhere and can say "not supported"). Its IL stays that; crossgen2 adds ReadyToRun code
# compiled against .NET 10, which the .NET 10 runtime uses instead of JIT-compiling the hook
# (and which a runtime that cannot use it ignores). The agent's .NET 10 publish above restored
# the crossgen2 and runtime packs.
if [ "$r2r" = true ]; then
  assets="$work/build-net10.0/obj/CloudWatchApm.Agent/project.assets.json"
  pack_version() { grep -A1 "\"name\": \"$1\"" "$assets" 2>/dev/null | sed -n 's/.*"version": "\[\([^,]*\),.*/\1/p' | head -n1; }
  packages=$(dotnet nuget locals global-packages --list | sed -n 's/^global-packages: *//p' | head -n1)
  cg_version=$(pack_version Microsoft.NETCore.App.Crossgen2.$rid)
  rt_version=$(pack_version Microsoft.NETCore.App.Runtime.$rid)
  crossgen="${packages%/}/microsoft.netcore.app.crossgen2.$rid/$cg_version/tools/crossgen2"
  framework="${packages%/}/microsoft.netcore.app.runtime.$rid/$rt_version/runtimes/$rid/lib/net10.0"
  if [ -n "$cg_version" ] && [ -n "$rt_version" ] && [ -x "$crossgen" ] && [ -d "$framework" ]; then
    say "compiling the startup hook ReadyToRun for .NET 10 (crossgen2 $cg_version)"
    if "$crossgen" "$hook_dll" -o "$work/hook-r2r.dll" -r "$framework/*.dll" --targetos linux --targetarch "${rid#*-}" -O >"$work/hook-r2r.log" 2>&1; then
      hook_dll="$work/hook-r2r.dll"
    else
      say "crossgen2 failed on the startup hook (see $work/hook-r2r.log): it stays IL only"
    fi
  else
    say "crossgen2 or the .NET 10 runtime pack not found (crossgen2 '$cg_version', runtime '$rt_version'): the startup hook stays IL only"
  fi
fi
cp "$hook_dll" "$home/hook/CloudWatchApm.Agent.StartupHook.dll"

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
