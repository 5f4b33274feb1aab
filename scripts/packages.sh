# Sourced by the set-up scripts: the Debian packages a build of Dialtone
# needs, and the one way they install what is missing (idempotent).

# What configuring and building the tree needs (the tests' own tools are
# added by scripts/setup.sh).
build_packages=(
  build-essential cmake pkg-config git
  libmbedtls-dev libsrtp2-dev libnice-dev libglib2.0-dev libopus-dev libcjson-dev
  libasound2-dev libgpiod-dev libspeexdsp-dev libhttp-parser-dev libwslay-dev libc-ares-dev
  libosip2-dev
  libgtest-dev libgmock-dev
)

# ensure_packages WHO PACKAGE...: installs the ones missing. A package counts
# only when installed for this machine's architecture (or "all"): an arm64
# cross build may have replaced some -dev packages with their arm64
# versions, and those do not build natively.
ensure_packages() {
  local who=$1
  shift
  local native p missing=()
  native=$(dpkg --print-architecture)
  for p in "$@"; do
    dpkg-query -W -f='${Status} ${Architecture}\n' "$p" 2>/dev/null |
      grep -qE "(install|hold) ok installed ($native|all)$" || missing+=("$p")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  echo "$who: installing ${missing[*]}"
  local sudo_cmd=""
  [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" ||
    { echo "$who: apt-get could not install ${missing[*]}" >&2; exit 1; }
}
