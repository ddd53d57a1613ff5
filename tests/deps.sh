#!/bin/sh
# deps.sh — install the Debian packages edict needs, when any is missing.
# As root it runs apt-get; otherwise it prints the apt-get line and fails.
missing=""
for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "edict needs these Debian packages:$missing" >&2
    echo "run as root:  apt-get install -y$missing" >&2
    exit 1
fi
echo "installing:$missing" >&2
apt-get update -qq >&2 || exit 1
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >&2
