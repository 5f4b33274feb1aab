#!/bin/sh
# Runs a network test binary with a fresh test PKI. CTest calls it inside a
# private network namespace (unshare -n), so only 127.0.0.1 exists.
set -eu
here=$(dirname "$0")
pki=$(mktemp -d /tmp/dialtone-pki-XXXXXX)
trap 'rm -rf "$pki"' EXIT
sh "$here/make_test_pki.sh" "$pki"
DT_TEST_PKI=$pki DT_TEST_SCRIPTS=$here "$@"
