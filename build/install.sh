#!/bin/sh
# Installs (or upgrades in place) the CloudWatch APM .NET agent from its tarball, on a machine
# that has only the tarball and a POSIX shell (no .NET needed to install).
#
#   install.sh [--dir DIR] cwapm-<version>-linux-x64.tar.gz
#
# DIR defaults to ~/.cwapm, or /opt/cwapm as root. The tarball's .sha256 file, when it sits
# beside it, is checked first; every extracted file is checked against checksums.sha256. The
# new home replaces the old one only when complete: a failed install leaves the previous one
# working.
set -eu

die() { echo "install.sh: $*" >&2; exit 1; }
usage() { echo "usage: install.sh [--dir DIR] <cwapm-<version>-linux-x64.tar.gz>" >&2; exit 2; }

dir=""
tarball=""
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) [ $# -ge 2 ] || usage; dir=$2; shift 2 ;;
    --dir=*) dir=${1#--dir=}; shift ;;
    -h|--help) usage ;;
    -*) echo "install.sh: unknown option $1" >&2; usage ;;
    *) [ -z "$tarball" ] || usage; tarball=$1; shift ;;
  esac
done
[ -n "$tarball" ] || usage
[ -f "$tarball" ] || die "no such file: $tarball"
if [ -z "$dir" ]; then
  if [ "$(id -u)" = 0 ]; then dir=/opt/cwapm; else dir="$HOME/.cwapm"; fi
fi
for tool in tar sha256sum mktemp; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is required (install coreutils and tar)"
done

if [ -f "$tarball.sha256" ]; then
  expected=$(cut -d' ' -f1 < "$tarball.sha256")
  actual=$(sha256sum "$tarball" | cut -d' ' -f1)
  [ "$expected" = "$actual" ] || die "checksum mismatch for $tarball (expected $expected, got $actual); nothing was changed"
  echo "install.sh: $tarball matches its .sha256"
fi

parent=$(dirname "$dir")
mkdir -p "$parent"
if [ -e "$dir" ] && [ ! -f "$dir/hook/CloudWatchApm.Agent.StartupHook.dll" ] && [ -n "$(ls -A "$dir" 2>/dev/null)" ]; then
  die "$dir exists and is not an agent home; choose another --dir"
fi

staging=$(mktemp -d "$parent/.cwapm-install.XXXXXX")
trap 'rm -rf "$staging"' EXIT INT TERM
tar -xzf "$tarball" -C "$staging" || die "cannot extract $tarball; nothing was changed"
[ -f "$staging/cwapm/checksums.sha256" ] || die "$tarball holds no cwapm/checksums.sha256; nothing was changed"
(cd "$staging/cwapm" && sha256sum -c --quiet checksums.sha256) || die "extracted files do not match checksums.sha256; nothing was changed"

# Swap: the old home moves aside, the new one moves in, the old one is removed last. If the
# second move fails, the old home is put back.
if [ -e "$dir" ]; then
  backup="$staging/previous"
  mv "$dir" "$backup"
  if ! mv "$staging/cwapm" "$dir"; then
    mv "$backup" "$dir"
    die "could not move the new home into $dir; the previous one is back in place"
  fi
else
  mv "$staging/cwapm" "$dir"
fi

echo "install.sh: installed CloudWatch APM .NET agent $(cat "$dir/VERSION") into $dir"
cat <<EOT

Instrument an app:
  $dir/instrument.sh dotnet YourApp.dll
or add to a shell profile:
  . $dir/instrument.sh
or to a systemd unit ([Service] section):
  Environment=DOTNET_STARTUP_HOOKS=$dir/hook/CloudWatchApm.Agent.StartupHook.dll
  Environment=DOTNET_ADDITIONAL_DEPS=$dir/additional-deps
  Environment=DOTNET_SHARED_STORE=$dir/store
  Environment=OTEL_DOTNET_AUTO_HOME=$dir
EOT
