# Sourced by the cross scripts (cross-setup, cross-sysroot, cross-build,
# qemu-test): what a board architecture name means on a Debian machine.
#   cross_arch ARCH "USAGE"   sets triplet, qemu and cross_base, or prints
#                             USAGE and exits 2 for an unknown ARCH
#   cross_layout              "multiarch" or "sysroot": what cross-setup.sh
#                             made for $triplet (empty before it ran)
#   $sudo_cmd                 "" as root, else "sudo"
# toolchain/debian-multiarch.cmake reads the same layout file.

cross_arch() {
  case "$1" in
    arm64) triplet=aarch64-linux-gnu; qemu=qemu-aarch64 ;;
    armhf) triplet=arm-linux-gnueabihf; qemu=qemu-arm ;;
    *) echo "usage: $2" >&2; exit 2 ;;
  esac
  # The -dev overlay, the sysroot and the layout file live here.
  cross_base=/opt/dialtone-cross/$triplet
}

cross_layout() { head -n1 "$cross_base/layout" 2>/dev/null || true; }

sudo_cmd=""
[ "$(id -u)" = 0 ] || sudo_cmd="sudo"
