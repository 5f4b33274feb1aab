#!/bin/sh
# Every random byte of the agent comes from firmware/core/random.cpp (see its
# header): no other source file may seed a generator of its own or read the
# system's entropy directly. Fails, listing the lines, when one does.
# Usage: one_random_source.sh SOURCE_ROOT
set -eu
root=$1
cd "$root"
pattern='mbedtls_(ctr|hmac)_drbg_seed|mbedtls_entropy_(init|func)|random_device|getrandom|/dev/u?random|arc4random|[^_[:alnum:]]s?rand[[:space:]]*\(|mt19937|minstd_rand|default_random_engine|g_random_|g_rand_new'
found=$(grep -rnE --include='*.cpp' --include='*.hpp' --include='*.c' --include='*.h' "$pattern" \
          firmware protocol media hal board |
        grep -vE '^firmware/core/random\.(hpp|cpp):' || true)
if [ -n "$found" ]; then
  echo "random numbers drawn outside firmware/core/random.cpp; use process_csprng() or a Csprng&:" >&2
  echo "$found" >&2
  exit 1
fi
echo "one random source: ok"
