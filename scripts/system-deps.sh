#!/usr/bin/env bash
# Makes sure the Debian packages the tests drive for real are installed: Chromium for the
# browser tests, redis-server and nginx for the scale-out tests (a cluster on Redis, behind
# nginx; the tests start their own instances, never the system services). As root it installs
# what is missing with apt-get; otherwise it stops at once, naming the missing package.
set -euo pipefail

declare -A NEEDED=(
  [/usr/bin/chromium]=chromium
  [/usr/bin/redis-server]=redis-server
  [/usr/sbin/nginx]=nginx-light
)

missing=()
for path in "${!NEEDED[@]}"; do
  [ -x "$path" ] || missing+=("${NEEDED[$path]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "system-deps: missing Debian package(s): ${missing[*]}" >&2
  echo "system-deps: install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "system-deps: installing ${missing[*]} with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
