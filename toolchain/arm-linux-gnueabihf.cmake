# Cross-compile Dialtone for 32-bit ARM boards with hardware floating point
# (ARMv7-A: Raspberry Pi 2/3 with a 32-bit OS, BeagleBone, i.MX6) on Debian 12
# with multiarch:
#   scripts/cross-setup.sh armhf      # once; installs what this file needs
#   cmake -S . -B build-armhf -DCMAKE_TOOLCHAIN_FILE=toolchain/arm-linux-gnueabihf.cmake
# (scripts/cross-build.sh armhf does both.) Debian's armhf compiler already
# defaults to -march=armv7-a+fp -mfpu=vfpv3-d16 -mthumb; a board with NEON
# may add -mfpu=neon-vfpv4 through CMAKE_CXX_FLAGS.
set(CMAKE_SYSTEM_PROCESSOR armv7l)
set(DIALTONE_TRIPLET arm-linux-gnueabihf)
set(DIALTONE_QEMU qemu-arm)
include(${CMAKE_CURRENT_LIST_DIR}/debian-multiarch.cmake)
