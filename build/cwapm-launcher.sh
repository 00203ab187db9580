#!/bin/sh
# The `cwapm` command of an agent home: runs the CLI (cli/cwapm.dll) on the machine's .NET.
set -eu
_home=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
if [ -n "${DOTNET_ROOT:-}" ] && [ -x "$DOTNET_ROOT/dotnet" ]; then
  _dotnet="$DOTNET_ROOT/dotnet"
elif command -v dotnet >/dev/null 2>&1; then
  _dotnet=$(command -v dotnet)
else
  echo "cwapm: no .NET runtime found: install .NET 8 or newer, or set DOTNET_ROOT" >&2
  exit 127
fi
# The CLI itself is never instrumented, even when the hook is exported globally.
exec "$_dotnet" "$_home/cli/cwapm.dll" "$@"
