# Shared part of the Debian cross toolchains. Not used directly:
# toolchain/aarch64-linux-gnu.cmake and toolchain/arm-linux-gnueabihf.cmake
# set DIALTONE_TRIPLET and DIALTONE_QEMU, then include this file.
#
# scripts/cross-setup.sh prepares one of two layouts and records which in
# /opt/dialtone-cross/<triplet>/layout:
#
# "multiarch" (preferred; what a healthy mirror gives):
#   /usr/bin/<triplet>-gcc, -g++        crossbuild-essential-<arch>
#   /usr/lib/<triplet>/, /usr/include   the project's libraries, installed as
#                                       <pkg>:<arch> through multiarch
#   /opt/dialtone-cross/<triplet>/usr/  the -dev packages that cannot be
#                                       installed as <pkg>:<arch> (libsrtp2,
#                                       libnice, http-parser, wslay), unpacked
#                                       by cross-setup.sh; runtime libraries
#                                       are in /usr/lib/<triplet>
#   No separate sysroot: multiarch puts the target's libraries beside the
#   native ones under their triplet directory.
#
# "sysroot" (the fallback when multiarch cannot install, see
# scripts/cross-sysroot.sh):
#   /usr/bin/<triplet>-gcc, -g++        crossbuild-essential-<arch>
#   /opt/dialtone-cross/<triplet>/sysroot/
#                                       the board's / as Debian packages it:
#                                       libc, libstdc++, the project's
#                                       libraries and headers
#
# Both: /usr/bin/qemu-<cpu> (qemu-user) runs what we build.

set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_C_COMPILER ${DIALTONE_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${DIALTONE_TRIPLET}-g++)
set(CMAKE_LIBRARY_ARCHITECTURE ${DIALTONE_TRIPLET})

set(DIALTONE_CROSS_OVERLAY /opt/dialtone-cross/${DIALTONE_TRIPLET})
set(DIALTONE_CROSS_LAYOUT multiarch)
if(EXISTS ${DIALTONE_CROSS_OVERLAY}/layout)
  file(STRINGS ${DIALTONE_CROSS_OVERLAY}/layout DIALTONE_CROSS_LAYOUT LIMIT_COUNT 1)
endif()
find_program(DIALTONE_QEMU_PATH ${DIALTONE_QEMU} REQUIRED)

if(DIALTONE_CROSS_LAYOUT STREQUAL "sysroot")
  set(DIALTONE_SYSROOT ${DIALTONE_CROSS_OVERLAY}/sysroot)
  if(NOT EXISTS ${DIALTONE_SYSROOT}/.dialtone-sysroot)
    message(FATAL_ERROR "No ${DIALTONE_SYSROOT}: run scripts/cross-setup.sh first")
  endif()
  # --sysroot for compiler and linker: headers, crt files, libc, libstdc++
  # and the libraries all come from the same set of Debian packages. (The
  # cross compiler's own /usr/<triplet> libc is then not used at all.)
  set(CMAKE_SYSROOT ${DIALTONE_SYSROOT})
  set(CMAKE_FIND_ROOT_PATH ${DIALTONE_SYSROOT})
  set(ENV{PKG_CONFIG_LIBDIR}
      "${DIALTONE_SYSROOT}/usr/lib/${DIALTONE_TRIPLET}/pkgconfig:${DIALTONE_SYSROOT}/usr/share/pkgconfig")
  set(ENV{PKG_CONFIG_SYSROOT_DIR} ${DIALTONE_SYSROOT})
  # The loader, libc and every library the binaries need are in the sysroot:
  # qemu's -L makes the target's absolute paths (/lib/ld-linux-*.so) resolve
  # there first.
  set(CMAKE_CROSSCOMPILING_EMULATOR ${DIALTONE_QEMU_PATH} -L ${DIALTONE_SYSROOT})
else()
  # find_library/find_path/find_package look only under these roots. "/" is
  # needed because multiarch libraries live in the host's /usr/lib/<triplet>;
  # with CMAKE_LIBRARY_ARCHITECTURE set, CMake searches lib/<triplet> there,
  # never the native lib/x86_64-linux-gnu.
  set(CMAKE_FIND_ROOT_PATH /usr/${DIALTONE_TRIPLET} ${DIALTONE_CROSS_OVERLAY} /)
  # pkg-config sees only the target's .pc files (LIBDIR replaces the default
  # native search path; PKG_CONFIG_PATH would only add to it).
  set(ENV{PKG_CONFIG_LIBDIR}
      "${DIALTONE_CROSS_OVERLAY}/usr/lib/${DIALTONE_TRIPLET}/pkgconfig:/usr/lib/${DIALTONE_TRIPLET}/pkgconfig:/usr/share/pkgconfig")
  unset(ENV{PKG_CONFIG_SYSROOT_DIR})
  # No -L prefix on purpose: the multiarch libc6:<arch> (pulled in by the
  # libraries above) installs the target's dynamic loader at its standard
  # path and registers /usr/lib/<triplet> in /etc/ld.so.cache, so the loader
  # and libc come from the same package. Pointing -L at /usr/<triplet>
  # instead would mix the cross toolchain's loader with the multiarch
  # libc.so.6 (a different build of glibc).
  set(CMAKE_CROSSCOMPILING_EMULATOR ${DIALTONE_QEMU_PATH})
endif()
set(ENV{PKG_CONFIG_PATH} "")

# Programs (pkg-config, python3) are the host's; everything else the target's.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# CTest prefixes every test command of ours with CMAKE_CROSSCOMPILING_EMULATOR,
# and gtest_discover_tests lists each binary's tests through it at build time.
