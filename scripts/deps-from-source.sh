#!/usr/bin/env bash
# Builds libnice and libsrtp2 as static libraries from Debian 12's own source
# packages, trimmed the way embedded distributions build them (idempotent;
# needs root or sudo to install build tools and write /opt):
#   scripts/deps-from-source.sh [native|arm64|armhf]
# Result: /opt/dialtone-deps/<triplet>/{include,lib,lib/pkgconfig}, found by
# cmake/Dependencies.cmake unless -DDIALTONE_SYSTEM_LIBS=ON. DIALTONE_DEPS_ROOT
# puts the whole cache (sources, apt state, results) elsewhere, e.g. to try a
# change without touching the cache other builds use; configure with
# -DDIALTONE_DEPS_DIR=$DIALTONE_DEPS_ROOT/<triplet> to link that.
#
# Why (docs/dependencies.md has the figures): Debian's libnice is built with
# UPnP-IGD and GnuTLS, which maps some 60 shared libraries into the agent
# (gupnp, libsoup, libxml2, sqlite, ICU, Kerberos...), and Debian's libsrtp2
# uses NSS, which costs heap calls on every packet. A phone needs neither.
#   libnice  : no UPnP, no GStreamer, no introspection; for its only crypto
#              (STUN MESSAGE-INTEGRITY HMAC-SHA1, TURN long-term credential
#              MD5, random transaction ids) mbedTLS's libmbedcrypto, which the
#              agent links anyway, and getrandom(2), through our patch
#              scripts/patches/libnice-<version>-mbedtls.patch. libnice offers
#              only GnuTLS or OpenSSL: GnuTLS brings seven more libraries;
#              OpenSSL 3's libcrypto would be the largest object in the
#              process and allocates per STUN message.
#   libsrtp2 : its built-in crypto (no NSS, no OpenSSL): AES-128-CM and
#              HMAC-SHA1, the only profile the agent negotiates, with no heap
#              call per packet and no library at all.
# The source is the version of the binary package Debian offers this machine
# (so a Debian security update is picked up by rebuilding), fetched from the
# machine's own Debian mirror and checked against the archive's signed index
# and the .dsc's SHA-256 sums.
#
# The build is cached: a stamp records the versions, the options, the
# compiler, this script's own content and the patch's, and anything
# different rebuilds.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
target=${1:-native}
. "$here/scripts/cross-arch.sh"

deps_root=${DIALTONE_DEPS_ROOT:-/opt/dialtone-deps}
if [ "$target" = native ]; then
  triplet=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -dumpmachine)
  deb_arch=$(dpkg --print-architecture)
  cross=""
else
  cross_arch "$target" "deps-from-source.sh [native|arm64|armhf]"
  deb_arch=$target
  cross=1
fi
prefix=$deps_root/$triplet
srcdir=$deps_root/src

# The options that make these builds small; part of the cache key.
nice_options=(
  -Dgupnp=disabled -Dgstreamer=disabled -Dintrospection=disabled
  -Dtests=disabled -Dexamples=disabled -Dgtk_doc=disabled
  -Dcrypto-library=mbedtls
)
srtp_options=(--disable-nss --disable-openssl --disable-pcap --disable-debug-logging)

# Build tools (native) and, for a native build, the -dev packages the two
# libraries compile against. A cross build takes the target's from the layout
# scripts/cross-setup.sh made (it lists libmbedtls-dev and libglib2.0-dev).
tools=(build-essential pkg-config meson ninja-build dpkg-dev patch libglib2.0-dev libmbedtls-dev)
missing=()
for p in "${tools[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps-from-source: installing ${missing[*]}"
  $sudo_cmd apt-get -o DPkg::Lock::Timeout=600 update -qq || true
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get -o DPkg::Lock::Timeout=600 \
    install -y -qq --no-install-recommends --no-remove "${missing[@]}"
fi

# The source version: that of the binary package apt would install here
# (binNMU suffixes "+bN" name no different source).
source_version() {
  apt-cache policy "$1" | awk '/Candidate:/ {print $2}' | sed 's/+b[0-9]*$//'
}
nice_version=$(source_version libnice10)
srtp_version=$(source_version libsrtp2-1)
if [ -z "$nice_version" ] || [ "$nice_version" = "(none)" ] ||
   [ -z "$srtp_version" ] || [ "$srtp_version" = "(none)" ]; then
  echo "deps-from-source: apt knows no libnice10/libsrtp2-1; run apt-get update" >&2
  exit 1
fi
# Our patch for this upstream version (the epoch and Debian revision go):
# a new libnice needs the patch brought forward, not a silent OpenSSL build.
nice_upstream=${nice_version#*:}
nice_upstream=${nice_upstream%-*}
nice_patch=$here/scripts/patches/libnice-$nice_upstream-mbedtls.patch
if [ ! -f "$nice_patch" ]; then
  echo "deps-from-source: no $nice_patch for libnice $nice_version" >&2
  exit 1
fi

if [ -n "$cross" ]; then
  layout=$(cross_layout)
  case "$layout" in
    multiarch) sysroot="" ;;
    sysroot) sysroot=$cross_base/sysroot ;;
    *) echo "deps-from-source: run scripts/cross-setup.sh $target first" >&2; exit 1 ;;
  esac
  cc=$triplet-gcc
else
  layout=native
  sysroot=""
  cc=gcc
fi
# Debian's hardening flags for this architecture (stack protector,
# _FORTIFY_SOURCE, format checks), as the packaged libraries have; -fPIC so
# the archives link into PIE executables and shared objects alike. The
# -ffile-prefix-map dpkg-buildflags derives from the current directory would
# name wherever this script was started from, so it goes.
cflags="$(DEB_HOST_ARCH=$deb_arch DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get CFLAGS 2>/dev/null |
  sed 's/-ffile-prefix-map=[^ ]*//') -fPIC"
cppflags=$(DEB_HOST_ARCH=$deb_arch DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get CPPFLAGS 2>/dev/null)
[ -n "$sysroot" ] && cflags="$cflags --sysroot=$sysroot"

key=$( {
  echo "$triplet $layout $nice_version $srtp_version"
  echo "${nice_options[*]} ${srtp_options[*]} $cflags $cppflags"
  $cc --version | head -n1
  sha256sum < "$0"
  sha256sum < "$nice_patch"
} | sha256sum | cut -d' ' -f1)
if [ "$(cat "$prefix/.dialtone-deps" 2>/dev/null)" = "$key" ]; then
  echo "deps-from-source: $prefix is up to date (libnice $nice_version, libsrtp2 $srtp_version)"
  exit 0
fi

# ---- Sources --------------------------------------------------------------
# A private apt configuration with deb-src entries for the same Debian mirror
# and suites as the machine's own sources, so neither /etc/apt nor the
# machine's package lists change.
aptdir=$deps_root/apt
$sudo_cmd mkdir -p "$aptdir/sources.list.d" "$aptdir/lists/partial" "$aptdir/cache/archives/partial" "$srcdir"
$sudo_cmd rm -f "$aptdir"/sources.list.d/*
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
  sed 's/^Types:.*/Types: deb-src/' /etc/apt/sources.list.d/debian.sources |
    $sudo_cmd tee "$aptdir/sources.list.d/debian-src.sources" >/dev/null
fi
if [ -f /etc/apt/sources.list ]; then
  { grep -E '^deb[[:space:]]' /etc/apt/sources.list || true; } | sed 's/^deb\([[:space:]]\)/deb-src\1/' |
    $sudo_cmd tee "$aptdir/sources.list.d/debian-src.list" >/dev/null
fi
apt_opts=(
  -o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$aptdir/sources.list.d"
  -o "Dir::State::Lists=$aptdir/lists" -o "Dir::Cache=$aptdir/cache"
  -o Debug::NoLocking=1 -o APT::Sandbox::User=root
)

# Checks every file of a .dsc against its Checksums-Sha256 field (apt has
# already checked the .dsc itself against the signed Sources index).
verify_dsc() {
  local dsc=$1 dir
  dir=$(dirname "$dsc")
  awk '/^Checksums-Sha256:/ {on=1; next} /^[^ ]/ {on=0} on && NF==3 {print $1 "  " $3}' "$dsc" |
    (cd "$dir" && sha256sum --quiet -c -)
}

fetch_source() {
  local pkg=$1 version=$2 dsc
  dsc=$srcdir/${pkg}_${version#*:}.dsc
  if [ -f "$dsc" ] && verify_dsc "$dsc" 2>/dev/null; then
    return
  fi
  if [ ! -f "$aptdir/.updated" ]; then
    echo "deps-from-source: reading Debian's source index"
    $sudo_cmd apt-get "${apt_opts[@]}" update -qq
    $sudo_cmd touch "$aptdir/.updated"
  fi
  echo "deps-from-source: downloading $pkg $version"
  if ! (cd "$srcdir" && $sudo_cmd apt-get "${apt_opts[@]}" source --download-only -qq "$pkg=$version"); then
    # The index may predate the version: read it again once.
    $sudo_cmd apt-get "${apt_opts[@]}" update -qq
    (cd "$srcdir" && $sudo_cmd apt-get "${apt_opts[@]}" source --download-only -qq "$pkg=$version")
  fi
  verify_dsc "$dsc" || { echo "deps-from-source: $dsc: checksum mismatch" >&2; exit 1; }
}
fetch_source libnice "$nice_version"
fetch_source libsrtp2 "$srtp_version"

# ---- Build ----------------------------------------------------------------
work=$(mktemp -d)
trap 'rm -rf "$work"; $sudo_cmd rm -rf "$prefix.new"' EXIT
stage=$work/stage
jobs=${DIALTONE_JOBS:-2}

# dpkg-source -x checks the .dsc's checksums again and applies Debian's
# patches, so the code is exactly what Debian's packages are built from. It
# also tries the maintainer's signature on the .dsc, which needs
# debian-keyring (not installed: the archive's signed index already vouches
# for the .dsc), so its gpgv chatter goes to the log unless it fails.
(cd "$work" &&
  dpkg-source -x "$srcdir/libnice_${nice_version#*:}.dsc" nice &&
  dpkg-source -x "$srcdir/libsrtp2_${srtp_version#*:}.dsc" srtp) >"$work/unpack.log" 2>&1 ||
  { cat "$work/unpack.log" >&2; exit 1; }
# Our patch on top of Debian's, exactly: no fuzz, nothing already applied.
patch -d "$work/nice" -p1 --forward --batch --fuzz=0 --no-backup-if-mismatch \
  <"$nice_patch" >"$work/patch.log" 2>&1 ||
  { cat "$work/patch.log" >&2; echo "deps-from-source: $nice_patch does not apply" >&2; exit 1; }

# pkg-config for the target: the target's .pc files only, through the
# sysroot if there is one.
if [ -n "$cross" ]; then
  if [ -n "$sysroot" ]; then
    pc_libdir="$sysroot/usr/lib/$triplet/pkgconfig:$sysroot/usr/share/pkgconfig"
  else
    pc_libdir="/usr/lib/$triplet/pkgconfig:/usr/share/pkgconfig"
  fi
fi

echo "deps-from-source: building libnice $nice_version for $triplet"
meson_args=(--prefix="$prefix" --libdir=lib --buildtype=plain --default-library=static
  -Dc_args="$cflags $cppflags" "${nice_options[@]}")
if [ -n "$cross" ]; then
  case "$target" in
    arm64) cpu_family=aarch64; cpu=aarch64 ;;
    armhf) cpu_family=arm; cpu=armv7 ;;
  esac
  {
    echo "[binaries]"
    echo "c = '$triplet-gcc'"
    echo "ar = '$triplet-ar'"
    echo "strip = '$triplet-strip'"
    echo "pkgconfig = 'pkg-config'"
    echo "[properties]"
    echo "pkg_config_libdir = '$pc_libdir'"
    if [ -n "$sysroot" ]; then echo "sys_root = '$sysroot'"; fi
    echo "[host_machine]"
    echo "system = 'linux'"
    echo "cpu_family = '$cpu_family'"
    echo "cpu = '$cpu'"
    echo "endian = 'little'"
  } >"$work/cross.ini"
  meson_args+=(--cross-file "$work/cross.ini")
  [ -n "$sysroot" ] && meson_args+=(-Dc_link_args="--sysroot=$sysroot")
fi
(cd "$work/nice" && meson setup "$work/nice-build" "${meson_args[@]}" >"$work/nice-setup.log" 2>&1) ||
  { tail -n 30 "$work/nice-setup.log" >&2; exit 1; }
ninja -C "$work/nice-build" -j"$jobs" >"$work/nice-build.log" 2>&1 ||
  { tail -n 30 "$work/nice-build.log" >&2; exit 1; }
DESTDIR=$stage meson install -C "$work/nice-build" --no-rebuild >/dev/null

echo "deps-from-source: building libsrtp2 $srtp_version for $triplet"
srtp_env=(CC="$cc" CFLAGS="$cflags" CPPFLAGS="$cppflags")
host_arg=()
[ -n "$cross" ] && host_arg=(--host="$triplet")
(cd "$work/srtp" && env "${srtp_env[@]}" ./configure --prefix="$prefix" --libdir="$prefix/lib" \
   "${host_arg[@]}" "${srtp_options[@]}" >"$work/srtp-configure.log" 2>&1) ||
  { tail -n 30 "$work/srtp-configure.log" >&2; exit 1; }
# Only the library: the test programs are not needed and would link pcap.
(cd "$work/srtp" && make -j"$jobs" libsrtp2.a >"$work/srtp-build.log" 2>&1) ||
  { tail -n 30 "$work/srtp-build.log" >&2; exit 1; }
(cd "$work/srtp" && make install DESTDIR="$stage" >/dev/null)

# Only the static libraries, headers and .pc files stay: no programs (the
# STUN tools), no manuals.
root=$stage$prefix
rm -rf "$root/bin" "$root/share"
find "$root/lib" -name '*.so*' -delete
# The patched libnice's crypto is libmbedcrypto; a build that fell back to
# anything else would be wrong.
grep -q -- '-lmbedcrypto' "$root/lib/pkgconfig/nice.pc" && ! grep -Eq 'openssl|libcrypto|gnutls' "$root/lib/pkgconfig/nice.pc" ||
  { echo "deps-from-source: libnice was not built over mbedTLS" >&2; cat "$root/lib/pkgconfig/nice.pc" >&2; exit 1; }
for f in "$root/lib/libnice.a" "$root/lib/libsrtp2.a" "$root/lib/pkgconfig/nice.pc" \
         "$root/lib/pkgconfig/libsrtp2.pc" "$root/include/nice/agent.h" "$root/include/srtp2/srtp.h"; do
  [ -f "$f" ] || { echo "deps-from-source: the build left no $f" >&2; exit 1; }
done
{
  echo "libnice $nice_version (${nice_options[*]}; $(basename "$nice_patch"))"
  echo "libsrtp2 $srtp_version (${srtp_options[*]})"
  echo "layout $layout"
} >"$root/VERSIONS"
echo "$key" >"$root/.dialtone-deps"

# Into place in one step: a build that failed half-way leaves the old cache.
$sudo_cmd rm -rf "$prefix.new"
$sudo_cmd cp -a "$root" "$prefix.new"
$sudo_cmd rm -rf "$prefix"
$sudo_cmd mv "$prefix.new" "$prefix"
echo "deps-from-source: libnice $nice_version and libsrtp2 $srtp_version ready in $prefix"
