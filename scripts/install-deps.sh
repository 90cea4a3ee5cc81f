#!/usr/bin/env bash
# Installs the Debian packages listed in packages/debian.txt (needs root or sudo).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
pkgs=$(sed -e 's/#.*//' "$here/packages/debian.txt" | tr -s ' \n' ' ')
sudo_cmd=""
if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then echo "install-deps: all packages present"; exit 0; fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
$sudo_cmd apt-get update -qq
# shellcheck disable=SC2086
$sudo_cmd apt-get install -y -qq --no-install-recommends $missing
