# Cross-compile Dialtone for 64-bit ARM boards (Raspberry Pi 3/4/5 with a
# 64-bit OS, most current SoCs) on Debian 12 with multiarch:
#   scripts/cross-setup.sh arm64      # once; installs what this file needs
#   cmake -S . -B build-arm64 -DCMAKE_TOOLCHAIN_FILE=toolchain/aarch64-linux-gnu.cmake
# (scripts/cross-build.sh arm64 does both.)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(DIALTONE_TRIPLET aarch64-linux-gnu)
set(DIALTONE_QEMU qemu-aarch64)
include(${CMAKE_CURRENT_LIST_DIR}/debian-multiarch.cmake)
