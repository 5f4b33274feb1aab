#!/bin/sh
# Runs a command in a private network namespace whose only interface is
# loopback, so no test traffic can reach any other address.
set -e
if [ "$(id -u)" != 0 ]; then
  echo "in-netns.sh: network tests need root for a private namespace (run the tests with sudo)" >&2
  exit 1
fi
exec unshare -n sh -c 'ip link set lo up && exec "$@"' in-netns "$@"
