#!/usr/bin/env bash
# Assembles a private dotnet root that runs net8.0 and net9.0 apps on real .NET 8 and .NET 9,
# with nothing but NuGet: the runtime packs Microsoft.NETCore.App.Runtime.linux-x64 and
# Microsoft.AspNetCore.App.Runtime.linux-x64 carry the shared framework files, and the machine's
# own `dotnet` muxer and host/fxr (10.x, backwards compatible) start them.
#
#   build/runtimes.sh [DEST]          DEST defaults to <repo>/artifacts/runtimes/dotnet
#   DOTNET_ROOT=DEST DEST/dotnet app.dll
#
# Environment: CWAPM_NET8_VERSION (default 8.0.31), CWAPM_NET9_VERSIONS (candidates tried in
# order, default "9.0.22 9.0.20"). Idempotent: does nothing when DEST already has both.
# Prints the root's path as the last line of standard output.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dest=${1:-$repo/artifacts/runtimes/dotnet}
net8_version=${CWAPM_NET8_VERSION:-8.0.31}
net9_versions=${CWAPM_NET9_VERSIONS:-9.0.22 9.0.20}
netcore_pkg=Microsoft.NETCore.App.Runtime.linux-x64
aspnet_pkg=Microsoft.AspNetCore.App.Runtime.linux-x64

log() { echo "runtimes.sh: $*" >&2; }
die() { echo "runtimes.sh: error: $*" >&2; exit 1; }

[ "$(uname -s)" = Linux ] && [ "$(uname -m)" = x86_64 ] || die "only linux-x64 is supported (this is $(uname -s) $(uname -m))"
command -v dotnet >/dev/null || die "no 'dotnet' on PATH; install the .NET SDK first"
machine_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
[ -d "$machine_root/host/fxr" ] || die "no host/fxr next to $machine_root/dotnet; cannot copy the host"
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)

# A version is installed when both frameworks have their deps.json (written last, see install()).
has_version() {
  [ -f "$dest/shared/Microsoft.NETCore.App/$1/Microsoft.NETCore.App.deps.json" ] &&
    [ -f "$dest/shared/Microsoft.AspNetCore.App/$1/Microsoft.AspNetCore.App.deps.json" ]
}
has_host() { [ -x "$dest/dotnet" ] && compgen -G "$dest/host/fxr/*/libhostfxr.so" >/dev/null; }

installed_9=""
for v in $net9_versions; do
  if has_version "$v"; then installed_9=$v; break; fi
done
if has_host && has_version "$net8_version" && [ -n "$installed_9" ]; then
  log "$dest already has .NET $net8_version and $installed_9; nothing to do"
  echo "$dest"
  exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/cwapm-runtimes.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Restores a throwaway project that only downloads the two runtime packs at version $1.
restore() {
  local version=$1 dir="$work/restore-$1"
  mkdir -p "$dir"
  # Empty Directory.* files stop MSBuild from importing anything from folders above the temp dir.
  printf '<Project />\n' >"$dir/Directory.Build.props"
  printf '<Project />\n' >"$dir/Directory.Build.targets"
  printf '<Project><PropertyGroup><ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally></PropertyGroup></Project>\n' >"$dir/Directory.Packages.props"
  cat >"$dir/download.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
  </PropertyGroup>
  <ItemGroup>
    <PackageDownload Include="$netcore_pkg" Version="[$version]" />
    <PackageDownload Include="$aspnet_pkg" Version="[$version]" />
  </ItemGroup>
</Project>
EOF
  log "restoring $netcore_pkg and $aspnet_pkg $version from NuGet"
  if ! dotnet restore "$dir/download.csproj" --nologo >"$dir/restore.log" 2>&1; then
    log "restore of $version failed:"
    grep -E 'error|warn' "$dir/restore.log" | head -n 5 >&2 || true
    return 1
  fi
}

packages=${NUGET_PACKAGES:-}
if [ -z "$packages" ]; then
  packages=$(dotnet nuget locals global-packages --list | sed -n 's/^global-packages: *//p')
fi
packages=${packages%/}
[ -d "$packages" ] || mkdir -p "$packages"

# Copies one runtime pack into DEST/shared/<framework>/<version>; stages in a sibling folder
# and renames, so an interrupted run never leaves a half framework that the host would list.
install_framework() {
  local framework=$1 pkg=$2 version=$3
  local root="$packages/$(echo "$pkg" | tr '[:upper:]' '[:lower:]')/$version"
  local lib
  lib=$(find "$root/runtimes/linux-x64/lib" -mindepth 1 -maxdepth 1 -type d -name 'net*' | sort | tail -n 1)
  [ -n "$lib" ] || die "$pkg $version has no runtimes/linux-x64/lib/<tfm> folder in $root"
  [ -f "$lib/$framework.deps.json" ] || die "$pkg $version has no $framework.deps.json in $lib"
  [ -f "$lib/$framework.runtimeconfig.json" ] || die "$pkg $version has no $framework.runtimeconfig.json in $lib"
  local target="$dest/shared/$framework/$version" stage="$dest/shared/$framework/.$version.partial"
  log "copying $pkg $version ($(basename "$lib")) into $target"
  rm -rf "$stage" "$target"
  mkdir -p "$stage"
  # deps.json last: has_version() treats it as the completion mark.
  find "$lib" -mindepth 1 -maxdepth 1 ! -name "$framework.deps.json" -exec cp -a {} "$stage/" \;
  if [ -d "$root/runtimes/linux-x64/native" ]; then
    cp -a "$root/runtimes/linux-x64/native/." "$stage/"
  fi
  if [ -f "$root/$framework.versions.txt" ]; then
    cp "$root/$framework.versions.txt" "$stage/.version"
  fi
  cp -a "$lib/$framework.deps.json" "$stage/"
  mv "$stage" "$target"
}

install_version() {
  local version=$1
  if has_version "$version"; then
    log ".NET $version is already in $dest"
    return 0
  fi
  restore "$version" || return 1
  install_framework Microsoft.NETCore.App "$netcore_pkg" "$version"
  install_framework Microsoft.AspNetCore.App "$aspnet_pkg" "$version"
}

log "machine dotnet: $machine_root; private root: $dest"
install_version "$net8_version" || die "could not get .NET $net8_version runtime packs from NuGet"
if [ -z "$installed_9" ]; then
  for v in $net9_versions; do
    if install_version "$v"; then installed_9=$v; break; fi
    log "trying the next .NET 9 version"
  done
  [ -n "$installed_9" ] || die "could not get any of the .NET 9 runtime packs ($net9_versions) from NuGet"
fi

if ! has_host; then
  log "copying the host (dotnet, host/fxr) from $machine_root"
  mkdir -p "$dest/host"
  rm -rf "$dest/host/fxr"
  cp -a "$machine_root/host/fxr" "$dest/host/fxr"
  cp -a "$machine_root/dotnet" "$dest/dotnet.partial"
  mv "$dest/dotnet.partial" "$dest/dotnet"
fi

listed=$(DOTNET_ROOT="$dest" "$dest/dotnet" --list-runtimes) || die "$dest/dotnet --list-runtimes failed"
echo "$listed" >&2
for v in "$net8_version" "$installed_9"; do
  grep -q "^Microsoft.NETCore.App $v " <<<"$listed" || die "$dest/dotnet does not list Microsoft.NETCore.App $v"
  grep -q "^Microsoft.AspNetCore.App $v " <<<"$listed" || die "$dest/dotnet does not list Microsoft.AspNetCore.App $v"
done
log "done: DOTNET_ROOT=$dest $dest/dotnet app.dll"
echo "$dest"
