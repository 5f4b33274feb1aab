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

# ensure_service_packages WHO PACKAGE...: ensure_packages for packages whose
# maintainer scripts start a system service (Kamailio, rtpengine, coturn).
# The tests run their own instances; a system one would listen on every
# address of the machine, and in a container its start can fail and with it
# the install. invoke-rc.d and deb-systemd-invoke ask /usr/sbin/policy-rc.d
# before starting anything: a temporary one answers 101 (not now) unless one
# is there already (Docker images have one). The services are then disabled
# at boot, whether this run installed them or not.
ensure_service_packages() {
  local who=$1
  shift
  local sudo_cmd="" policy=/usr/sbin/policy-rc.d own_policy="" rc=0 p
  [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# written by Dialtone scripts/packages.sh during an install\nexit 101\n' |
      $sudo_cmd tee "$policy" >/dev/null
    $sudo_cmd chmod 755 "$policy"
    own_policy=1
  fi
  (ensure_packages "$who" "$@") || rc=$?
  [ -z "$own_policy" ] || $sudo_cmd rm -f "$policy"
  [ "$rc" = 0 ] || exit "$rc"
  for p in "$@"; do
    case "$p" in
      kamailio | rtpengine-daemon | coturn) ;;
      *) continue ;;
    esac
    $sudo_cmd systemctl disable --now "$p" >/dev/null 2>&1 || true
    [ ! -x "/etc/init.d/$p" ] || $sudo_cmd update-rc.d "$p" disable >/dev/null 2>&1 || true
  done
}
