# Shared part of the Debian multiarch cross toolchains. Not used directly:
# toolchain/aarch64-linux-gnu.cmake and toolchain/arm-linux-gnueabihf.cmake
# set DIALTONE_TRIPLET and DIALTONE_QEMU, then include this file.
#
# What a Debian 12 machine prepared by scripts/cross-setup.sh provides:
#   /usr/bin/<triplet>-gcc, -g++        crossbuild-essential-<arch>
#   /usr/<triplet>/lib                 the cross compiler's own libc/libstdc++
#   /usr/lib/<triplet>/, /usr/include   the project's libraries, installed as
#                                       <pkg>:<arch> through multiarch
#   /opt/dialtone-cross/<triplet>/usr/  the -dev packages that cannot be
#                                       installed as <pkg>:<arch> (libsrtp2,
#                                       libnice, http-parser, wslay), unpacked
#                                       by cross-setup.sh; runtime libraries
#                                       are in /usr/lib/<triplet>
#   /usr/bin/qemu-<cpu>                 qemu-user, to run what we build
# There is no separate sysroot: multiarch puts the target's libraries beside
# the native ones under their triplet directory.

set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_C_COMPILER ${DIALTONE_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${DIALTONE_TRIPLET}-g++)
set(CMAKE_LIBRARY_ARCHITECTURE ${DIALTONE_TRIPLET})

set(DIALTONE_CROSS_OVERLAY /opt/dialtone-cross/${DIALTONE_TRIPLET})

# find_library/find_path/find_package look only under these roots. "/" is
# needed because multiarch libraries live in the host's /usr/lib/<triplet>;
# with CMAKE_LIBRARY_ARCHITECTURE set, CMake searches lib/<triplet> there,
# never the native lib/x86_64-linux-gnu. Programs (pkg-config, python3) are
# the host's.
set(CMAKE_FIND_ROOT_PATH /usr/${DIALTONE_TRIPLET} ${DIALTONE_CROSS_OVERLAY} /)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# pkg-config sees only the target's .pc files (LIBDIR replaces the default
# native search path; PKG_CONFIG_PATH would only add to it).
set(ENV{PKG_CONFIG_LIBDIR}
    "${DIALTONE_CROSS_OVERLAY}/usr/lib/${DIALTONE_TRIPLET}/pkgconfig:/usr/lib/${DIALTONE_TRIPLET}/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")
unset(ENV{PKG_CONFIG_SYSROOT_DIR})

# Target binaries run under qemu-user: CTest prefixes every test command of
# ours with this, and gtest_discover_tests lists each binary's tests through
# it at build time. No -L prefix is given on purpose: the multiarch libc6:<arch>
# (pulled in by the libraries above) installs the target's dynamic loader at
# its standard path and registers /usr/lib/<triplet> in /etc/ld.so.cache, so
# the loader and libc come from the same package. Pointing -L at
# /usr/<triplet> instead would mix the cross toolchain's loader with the
# multiarch libc.so.6 (a different build of glibc).
find_program(DIALTONE_QEMU_PATH ${DIALTONE_QEMU} REQUIRED)
set(CMAKE_CROSSCOMPILING_EMULATOR ${DIALTONE_QEMU_PATH})
