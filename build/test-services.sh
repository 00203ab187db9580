#!/usr/bin/env bash
# Installs the database and message-broker servers the library integration tests run against
# (PostgreSQL, MariaDB, Redis, RabbitMQ) from Debian's packages when they are missing. It only
# installs: the tests start each server themselves, on a free loopback port in a temporary data
# folder (tests/CloudWatchApm.Agent.IntegrationTests/Services/), and stop it afterwards. The
# packages' own system services are not started (and are stopped if installing started them).
#
#   build/test-services.sh          # install what is missing (needs root or sudo, and apt-get)
#   build/test-services.sh --check  # only report what is missing; exit 1 if anything is
set -euo pipefail

say() { printf '==> %s\n' "$*"; }

check_only=false
[ "${1:-}" = "--check" ] && check_only=true

# program to look for -> Debian package that provides it
missing=()
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
{ [ -n "$pg_bin" ] && [ -x "$pg_bin/initdb" ] && [ -x "$pg_bin/pg_ctl" ]; } || missing+=(postgresql)
{ command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ]; } || missing+=(mariadb-server)
{ command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ]; } || missing+=(redis-server)
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || [ -x /usr/sbin/rabbitmq-server ] || missing+=(rabbitmq-server)

if [ ${#missing[@]} -eq 0 ]; then
  say "test services: postgresql, mariadb, redis and rabbitmq are installed"
  exit 0
fi

if [ "$check_only" = true ]; then
  echo "test-services.sh: missing: ${missing[*]} (run build/test-services.sh to install them)" >&2
  exit 1
fi

command -v apt-get >/dev/null 2>&1 || {
  echo "test-services.sh: apt-get not found; install ${missing[*]} with your package manager" >&2
  exit 1
}
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "test-services.sh: run as root (or install sudo) to install ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi

say "installing ${missing[*]} (apt-get, non-interactive)"
export DEBIAN_FRONTEND=noninteractive
# Keep the packages' maintainer scripts from starting system-wide services: the tests run their own.
policy=/usr/sbin/policy-rc.d
added_policy=false
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
  $sudo chmod +x "$policy"
  added_policy=true
fi
cleanup() { if [ "$added_policy" = true ]; then $sudo rm -f "$policy"; fi; }
trap cleanup EXIT

$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
say "installed ${missing[*]}"
