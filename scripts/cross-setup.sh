#!/usr/bin/env bash
# Prepares this Debian 12 machine to cross-build Dialtone for a board
# architecture (idempotent; needs root or sudo):
#   scripts/cross-setup.sh arm64|armhf
# Installs the cross compiler (crossbuild-essential-ARCH), qemu-user to run the
# results, and the project's libraries for ARCH through Debian multiarch
# (e.g. libopus-dev:arm64 lands in /usr/lib/aarch64-linux-gnu/ beside the
# native one). When multiarch cannot install them, it builds a sysroot from
# the same Debian packages instead (scripts/cross-sysroot.sh). Which of the
# two it made is in /opt/dialtone-cross/<triplet>/layout, read by
# toolchain/<triplet>.cmake and scripts/qemu-test.sh.
#
# It never removes a package: a native -dev package that cannot co-exist with
# its ARCH twin is left alone (see overlay_packages).
set -euo pipefail
arch=${1:-}
. "$(dirname "$0")/cross-arch.sh"
cross_arch "$arch" "cross-setup.sh arm64|armhf"

# The libraries Dialtone links (cmake/Dependencies.cmake), for ARCH. These are
# Multi-Arch: same, so they co-install with the native ones; their tool
# dependencies (libglib2.0-dev-bin, pkg-config) are satisfied by the native
# packages. libgtest-dev ships per-architecture static libraries and CMake
# config in /usr/lib/<triplet>/.
multiarch_packages=(
  libmbedtls-dev libglib2.0-dev libopus-dev libcjson-dev libasound2-dev
  libgpiod-dev libspeexdsp-dev libc-ares-dev libosip2-dev libgtest-dev libgmock-dev
)
# -dev packages that must NOT be installed as <pkg>:ARCH:
#   libsrtp2-dev, libhttp-parser-dev, libwslay-dev are not Multi-Arch: same,
#     so apt would REMOVE the native ones (breaking the native build) to make
#     room;
#   libnice-dev needs libgupnp-igd-1.0-dev:ARCH -> gobject-introspection:ARCH
#     -> python3:ARCH, which cannot co-exist with the native python3.
# For these, apt installs only the runtime library (runtime_packages), and
# the -dev package's files are unpacked into an overlay that the toolchain
# files search (see install_overlay).
overlay_packages=(libsrtp2-dev libhttp-parser-dev libwslay-dev libnice-dev)
runtime_packages=(libsrtp2-1 libhttp-parser2.9 libwslay1 libnice10)
# Native tools: compiler, emulator, build system. binfmt-support lets the
# kernel run target binaries directly where binfmt_misc is available (not in
# most containers); the scripts call qemu explicitly and do not need it.
host_packages=(
  "crossbuild-essential-$arch" qemu-user binfmt-support
  cmake pkg-config make file binutils-multiarch
)

# Where the overlay -dev files go, and where the layout is recorded;
# toolchain/debian-multiarch.cmake looks here.
overlay=$cross_base

install_native() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  echo "cross-setup: installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get -o DPkg::Lock::Timeout=600 \
    install -y -qq --no-install-recommends --no-remove "${missing[@]}"
}

# Records the layout, then builds the static libnice and libsrtp2 for ARCH
# against it (scripts/deps-from-source.sh; cached, and skipped by a build
# configured with -DDIALTONE_SYSTEM_LIBS=ON, which uses the packaged ones).
record_layout() {
  $sudo_cmd mkdir -p "$overlay"
  echo "$1" | $sudo_cmd tee "$overlay/layout" >/dev/null
  "$(dirname "$0")/deps-from-source.sh" "$arch"
  echo "cross-setup: $arch ready ($1 layout)"
}

# The sysroot layout (scripts/cross-sysroot.sh): the target's libraries from
# a private apt root, nothing of ARCH installed on this machine. Used when
# multiarch cannot install (see below), when asked with
# DIALTONE_CROSS_LAYOUT=sysroot, and from then on for this ARCH (delete
# $overlay/layout, or set DIALTONE_CROSS_LAYOUT=multiarch, to try again).
use_sysroot() {
  "$(dirname "$0")/cross-sysroot.sh" "$arch"
  record_layout sysroot
  exit 0
}

# The host tools come first: both layouts need them, and they are native
# packages, so a bad index for ARCH cannot stop them.
$sudo_cmd apt-get -o DPkg::Lock::Timeout=600 update -qq 2>/dev/null ||
  echo "cross-setup: apt-get update reported errors (continuing)" >&2
install_native "${host_packages[@]}"

layout=${DIALTONE_CROSS_LAYOUT:-$(cross_layout)}
case "$layout" in
  sysroot) use_sysroot ;;
  ""|multiarch) ;;
  *) echo "cross-setup: DIALTONE_CROSS_LAYOUT must be multiarch or sysroot, not \"$layout\"" >&2; exit 2 ;;
esac

wanted=()
for p in "${multiarch_packages[@]}" "${runtime_packages[@]}"; do wanted+=("$p:$arch"); done

added_arch=""
if ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
  echo "cross-setup: adding architecture $arch"
  $sudo_cmd dpkg --add-architecture "$arch"
  added_arch=1
fi
# If the install fails (typically: a mirror serving a stale index for ARCH,
# so that ARCH's libraries lag the native ones and Multi-Arch: same refuses
# the pair), take the architecture away again when nothing of it got
# installed: otherwise every later `apt-get update` on the machine,
# scripts/setup.sh's included, keeps failing on that index. Then build a
# sysroot instead, which does not need the versions to match.
undo_arch() {
  if [ -n "$added_arch" ] && ! dpkg-query -W -f='${Package}:${Architecture}\n' 2>/dev/null | grep -q ":$arch\$"; then
    echo "cross-setup: removing architecture $arch again" >&2
    $sudo_cmd dpkg --remove-architecture "$arch" || true
  fi
  echo "cross-setup: could not install the $arch packages through multiarch (if" \
       "apt-get update reported a failed $arch index above, the mirror is mid-sync);" \
       "building a sysroot for $arch instead" >&2
}

missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "cross-setup: installing ${missing[*]}"
  # Third-party apt sources that publish only amd64 make `apt-get update`
  # warn about the new architecture; harmless, so we carry on.
  $sudo_cmd apt-get -o DPkg::Lock::Timeout=600 update -qq ||
    echo "cross-setup: apt-get update reported errors (continuing)" >&2
  # --no-remove: abort rather than remove anything (a native package other
  # people build with). Multi-Arch: same packages must have the same version
  # on every architecture, so apt may upgrade a few native libraries to the
  # version it installs for ARCH (Debian point releases only).
  if ! DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get -o DPkg::Lock::Timeout=600 \
      install -y -qq --no-install-recommends --no-remove "${missing[@]}"; then
    undo_arch
    use_sysroot
  fi
fi

# Unpacks one -dev package for ARCH into $overlay (a tree shaped like /):
# headers, .pc files and CMake config with their prefix moved to the overlay,
# and the unversioned lib*.so link pointed at the runtime library apt
# installed in /usr/lib/<triplet>. The version is that of the installed
# runtime package, so headers and library agree.
install_overlay() {
  local dev=$1 runtime=$2 version tmp f target
  version=$(dpkg-query -W -f='${Version}' "$runtime:$arch")
  if [ "$(cat "$overlay/.versions/$dev" 2>/dev/null)" = "$version" ]; then
    return
  fi
  echo "cross-setup: unpacking $dev:$arch $version into $overlay"
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get -o APT::Sandbox::User=root download -qq "$dev:$arch=$version")
  dpkg-deb -x "$tmp"/*.deb "$tmp/root"
  rm -rf "$tmp/root/usr/share"
  for f in "$tmp/root/usr/lib/$triplet"/lib*.so; do
    [ -L "$f" ] || continue
    target=$(readlink "$f")
    ln -sfn "/usr/lib/$triplet/${target##*/}" "$f"
  done
  # .pc: prefix=/usr -> the overlay. libnice's Requires.private (gnutls,
  # gupnp-igd) matter only for static linking, and pkg-config would insist on
  # their -dev packages: we link libnice dynamically, so they are dropped.
  for f in "$tmp/root/usr/lib/$triplet"/pkgconfig/*.pc; do
    [ -e "$f" ] || continue
    sed -i -e "s|^prefix=/usr\$|prefix=$overlay/usr|" \
           -e "s|^exec_prefix=/usr\$|exec_prefix=$overlay/usr|" "$f"
    [ "$dev" = libnice-dev ] && sed -i 's|^Requires.private:.*|Requires.private: gthread-2.0|' "$f"
  done
  $sudo_cmd mkdir -p "$overlay/.versions"
  $sudo_cmd cp -a "$tmp/root/." "$overlay/"
  echo "$version" | $sudo_cmd tee "$overlay/.versions/$dev" >/dev/null
  rm -rf "$tmp"
}
for i in "${!overlay_packages[@]}"; do
  install_overlay "${overlay_packages[$i]}" "${runtime_packages[$i]}"
done
record_layout multiarch
