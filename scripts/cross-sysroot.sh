#!/usr/bin/env bash
# Builds a target sysroot from Debian's packages for ARCH, without installing
# anything of ARCH on this machine (idempotent; needs root or sudo to write
# /opt):
#   scripts/cross-sysroot.sh arm64|armhf
# Result: /opt/dialtone-cross/<triplet>/sysroot, a tree shaped like the
# board's / with libc, libstdc++ and the project's libraries and headers.
# toolchain/debian-multiarch.cmake compiles against it with --sysroot and runs
# the results with `qemu-<cpu> -L <sysroot>`.
#
# Why this exists beside multiarch (scripts/cross-setup.sh tries multiarch
# first): Multi-Arch: same libraries must have the SAME version on every
# architecture. When the mirror's index for ARCH lags the native one (seen
# here: bookworm-security's armhf Packages.xz failing with "Mirror sync in
# progress?"), the native libraries come from bookworm-security and their ARCH
# twins only from bookworm, and apt refuses the install. A sysroot has its own
# package database (a private apt root with an empty dpkg status), so its
# versions only need to agree with each other.
set -euo pipefail
arch=${1:-}
. "$(dirname "$0")/cross-arch.sh"
cross_arch "$arch" "cross-sysroot.sh arm64|armhf"

aptroot=$cross_base/apt
sysroot=$cross_base/sysroot

# What the target build links and includes. libnice-dev is fetched on its own
# (below): as an apt dependency it drags in GTK 4 through gupnp-igd's -dev
# chain, some 250 packages, where the runtime libnice10 needs none of that.
packages=(
  libc6-dev libstdc++-12-dev
  libmbedtls-dev libglib2.0-dev libopus-dev libcjson-dev libasound2-dev
  libgpiod-dev libspeexdsp-dev libc-ares-dev libosip2-dev libgtest-dev libgmock-dev
  libsrtp2-dev libhttp-parser-dev libwslay-dev libnice10
)
standalone=(libnice-dev)

$sudo_cmd mkdir -p "$aptroot"/etc/apt/sources.list.d "$aptroot"/etc/apt/preferences.d \
  "$aptroot"/etc/apt/apt.conf.d "$aptroot"/var/lib/apt/lists/partial \
  "$aptroot"/var/cache/apt/archives/partial "$aptroot"/var/lib/dpkg
$sudo_cmd touch "$aptroot"/var/lib/dpkg/status
# The machine's own Debian sources (deb822 or one-line), nothing third-party:
# those rarely publish ARCH and would only add errors.
for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
  [ -f "$f" ] && $sudo_cmd cp "$f" "$aptroot/etc/apt/${f#/etc/apt/}"
done
apt_opts=(
  -o "Dir=$aptroot" -o "Dir::State::status=$aptroot/var/lib/dpkg/status"
  -o "APT::Architecture=$arch" -o "APT::Architectures::=$arch"
  -o "Dir::Etc::TrustedParts=/etc/apt/trusted.gpg.d"
  -o Debug::NoLocking=1 -o APT::Sandbox::User=root
)

echo "cross-sysroot: reading Debian's $arch package index"
# A failed index (mirror mid-sync) is reported and skipped: the packages then
# come from the suites that did download, consistently.
$sudo_cmd apt-get "${apt_opts[@]}" update -qq ||
  echo "cross-sysroot: apt-get update reported errors (continuing with the indexes it got)" >&2
$sudo_cmd rm -f "$aptroot"/var/cache/apt/archives/*.deb
$sudo_cmd apt-get "${apt_opts[@]}" install --download-only -y -qq --no-install-recommends "${packages[@]}"
(cd "$aptroot/var/cache/apt/archives" &&
  $sudo_cmd apt-get "${apt_opts[@]}" download -qq "${standalone[@]}")

# Same set of .deb files as the sysroot was made from: nothing to do.
stamp=$(cd "$aptroot/var/cache/apt/archives" && ls -- *.deb | sha256sum | cut -d' ' -f1)
if [ "$(cat "$sysroot/.dialtone-sysroot" 2>/dev/null)" = "$stamp" ]; then
  echo "cross-sysroot: $sysroot is up to date"
  exit 0
fi

echo "cross-sysroot: unpacking $(ls "$aptroot"/var/cache/apt/archives/*.deb | wc -l) packages into $sysroot"
tmp=$(mktemp -d "$cross_base/sysroot.new.XXXXXX")
trap '$sudo_cmd rm -rf "$tmp"' EXIT
for deb in "$aptroot"/var/cache/apt/archives/*.deb; do
  $sudo_cmd dpkg-deb -x "$deb" "$tmp"
done
# Debian 12 boards are usr-merged (/lib -> usr/lib, …), but packages still
# ship some files under /lib and /bin: fold them in, as usrmerge does.
for d in bin sbin lib; do
  if [ -d "$tmp/$d" ] && [ ! -L "$tmp/$d" ]; then
    $sudo_cmd mkdir -p "$tmp/usr/$d"
    $sudo_cmd cp -a "$tmp/$d/." "$tmp/usr/$d/"
    $sudo_cmd rm -rf "${tmp:?}/$d"
  fi
  $sudo_cmd ln -sfn "usr/$d" "$tmp/$d"
done
# Absolute symlinks (libfoo.so -> /lib/<triplet>/libfoo.so.1) would point at
# THIS machine's files when read through the sysroot: make them relative.
while IFS= read -r link; do
  target=$(readlink "$link")
  case "$target" in /*) $sudo_cmd ln -sfn --relative "$tmp$target" "$link" ;; esac
done < <(find "$tmp" -type l)
# libnice's .pc names gnutls and gupnp-igd in Requires.private, which matter
# only for static linking; their -dev packages are not in the sysroot (see
# above) and pkg-config would refuse libnice without them.
for f in "$tmp/usr/lib/$triplet/pkgconfig/nice.pc"; do
  $sudo_cmd sed -i 's|^Requires.private:.*|Requires.private: gthread-2.0|' "$f"
done
$sudo_cmd rm -rf "$tmp/usr/share/doc" "$tmp/usr/share/man" "$tmp/usr/share/locale"
echo "$stamp" | $sudo_cmd tee "$tmp/.dialtone-sysroot" >/dev/null
$sudo_cmd rm -rf "$sysroot"
$sudo_cmd mv "$tmp" "$sysroot"
trap - EXIT
echo "cross-sysroot: $arch sysroot ready in $sysroot"
