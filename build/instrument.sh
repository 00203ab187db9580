#!/bin/sh
# Instruments .NET applications with the CloudWatch APM agent in this folder.
#
#   . <home>/instrument.sh              # sourced: exports the variables into this shell
#   <home>/instrument.sh <command...>   # exports them and runs the command in their place
#
# It only sets the variables that load the agent; configure it with OTEL_* variables as usual
# (OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_ENDPOINT, ...). Existing values of the loading
# variables are kept and appended to, and sourcing it twice changes nothing.

# Locate the agent home: the folder of this script.
_cwapm_script=""
if [ -n "${BASH_SOURCE:-}" ]; then
  # shellcheck disable=SC3028,SC3054
  _cwapm_script="${BASH_SOURCE[0]}"
elif [ -n "${ZSH_VERSION:-}" ]; then
  eval '_cwapm_script="${(%):-%x}"'
else
  _cwapm_script="$0"
fi
case "$_cwapm_script" in
  */instrument.sh|instrument.sh) _cwapm_home=$(CDPATH= cd -- "$(dirname -- "$_cwapm_script")" && pwd) ;;
  *) _cwapm_home="${OTEL_DOTNET_AUTO_HOME:-}" ;;
esac

if [ -z "$_cwapm_home" ] || [ ! -f "$_cwapm_home/hook/CloudWatchApm.Agent.StartupHook.dll" ]; then
  echo "instrument.sh: cannot find the agent home (expected hook/CloudWatchApm.Agent.StartupHook.dll next to this script); set OTEL_DOTNET_AUTO_HOME" >&2
  # shellcheck disable=SC2317
  return 1 2>/dev/null || exit 1
fi

# _cwapm_append NAME VALUE: append VALUE to the ':'-separated list in NAME unless present.
_cwapm_append() {
  eval "_cwapm_cur=\${$1:-}"
  case ":$_cwapm_cur:" in
    *":$2:"*) ;;
    *) if [ -n "$_cwapm_cur" ]; then eval "export $1=\"\$_cwapm_cur:\$2\""; else eval "export $1=\"\$2\""; fi ;;
  esac
}

export OTEL_DOTNET_AUTO_HOME="$_cwapm_home"
_cwapm_append DOTNET_STARTUP_HOOKS "$_cwapm_home/hook/CloudWatchApm.Agent.StartupHook.dll"
# .NET 8/9 only (the folder form applies to nothing newer): lifts DiagnosticSource to 10.
_cwapm_append DOTNET_ADDITIONAL_DEPS "$_cwapm_home/additional-deps"
_cwapm_append DOTNET_SHARED_STORE "$_cwapm_home/store"
unset _cwapm_cur _cwapm_script

# Run as a command: replace this shell with the application.
_cwapm_sourced=1
if [ -n "${BASH_SOURCE:-}" ]; then
  # shellcheck disable=SC3028,SC3054
  [ "${BASH_SOURCE[0]}" = "$0" ] && _cwapm_sourced=0
elif [ -n "${ZSH_EVAL_CONTEXT:-}" ]; then
  case "$ZSH_EVAL_CONTEXT" in *:file*) ;; *) _cwapm_sourced=0 ;; esac
else
  case "$0" in */instrument.sh|instrument.sh) _cwapm_sourced=0 ;; esac
fi

if [ "$_cwapm_sourced" = 0 ]; then
  unset _cwapm_sourced _cwapm_home
  if [ "$#" -eq 0 ]; then
    echo "usage: . instrument.sh   or   instrument.sh <command...>" >&2
    exit 2
  fi
  exec "$@"
fi
unset _cwapm_sourced _cwapm_home
