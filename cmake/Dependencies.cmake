# Every third-party library the project links, as imported targets.
# Debian's mbedTLS 2.28, http-parser and wslay ship no pkg-config files,
# so those are found by header and library name.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)

# Static archives or shared libraries. What is flashed is a firmware image in
# which dialtoned is the only user of these libraries: linked statically, only
# the objects it calls come in, without each shared library's whole pages of
# code, data, relocations and symbol tables (docs/dependencies.md has the
# resident memory by object, before and after). Distribution packages, where
# libraries are shared between programs and updated on their own, use OFF.
option(DIALTONE_STATIC_DEPS
  "Link the third-party libraries that ship static archives into the binaries (OFF: all shared)" ON)
# Shared whatever the option: glibc (libm, libdl, libpthread, librt: its
# loader, NSS and iconv modules expect the shared libc); libmount, which
# Debian ships without an archive, and what libmount.so loads in any case
# (libblkid, libselinux with libsepol, libpcre2-8): a static copy beside the
# shared one would only add pages.
set(DIALTONE_ALWAYS_SHARED m dl pthread rt c mount blkid selinux sepol pcre2-8)

# The archive lib<name>.a of each name, in order; names in
# DIALTONE_ALWAYS_SHARED stay plain -l names and are also listed in
# `shared_out`. `out` is unset if an archive is missing, and `missing_out`
# names it.
function(dialtone_archives out missing_out shared_out)
  set(items)
  set(missing)
  set(shared)
  foreach(name ${ARGN})
    if(name IN_LIST DIALTONE_ALWAYS_SHARED)
      list(APPEND items ${name})
      list(APPEND shared ${name})
      continue()
    endif()
    string(MAKE_C_IDENTIFIER "${name}" id)
    find_library(DIALTONE_ARCHIVE_${id} NAMES lib${name}.a)
    if(DIALTONE_ARCHIVE_${id})
      list(APPEND items ${DIALTONE_ARCHIVE_${id}})
    else()
      list(APPEND missing lib${name}.a)
    endif()
  endforeach()
  if(missing)
    unset(${out} PARENT_SCOPE)
  else()
    set(${out} "${items}" PARENT_SCOPE)
  endif()
  set(${missing_out} "${missing}" PARENT_SCOPE)
  set(${shared_out} "${shared}" PARENT_SCOPE)
endfunction()

# "OPUS: static opus, shared m": what configuring prints for each library.
function(dialtone_report_static what names shared)
  set(static ${names})
  if(shared)
    list(REMOVE_ITEM static ${shared})
  endif()
  list(JOIN static " " static)
  list(JOIN shared " " shared)
  if(shared)
    message(STATUS "${what}: static ${static}, shared ${shared}")
  else()
    message(STATUS "${what}: static ${static}")
  endif()
endfunction()

# Points a pkg_check_modules target (PkgConfig::<prefix>) at the archives of
# `pkg-config --static --libs` (Requires.private and Libs.private included);
# include directories and compile flags stay pkg-config's. Without one of
# the archives the target stays shared, and configuring says so.
function(dialtone_link_static prefix)
  if(NOT DIALTONE_STATIC_DEPS)
    return()
  endif()
  # --static lists a library again after each one that needs it; keeping
  # only the last mention of each is still an order that links.
  set(names ${${prefix}_STATIC_LIBRARIES})
  list(REVERSE names)
  list(REMOVE_DUPLICATES names)
  list(REVERSE names)
  dialtone_archives(items missing shared ${names})
  if(missing)
    message(STATUS "${prefix}: shared (no ${missing} for this target)")
    return()
  endif()
  set_property(TARGET PkgConfig::${prefix} PROPERTY INTERFACE_LINK_LIBRARIES "${items}")
  dialtone_report_static(${prefix} "${names}" "${shared}")
endfunction()

option(DIALTONE_SYSTEM_LIBS "Use Debian's packaged libnice and libsrtp2" OFF)

pkg_check_modules(GLIB REQUIRED IMPORTED_TARGET glib-2.0 gio-2.0)
# A shared libnice (DIALTONE_SYSTEM_LIBS) brings the shared GLib with it, and
# two copies of GLib's type system in one process do not work.
if(NOT DIALTONE_SYSTEM_LIBS)
  dialtone_link_static(GLIB)
elseif(DIALTONE_STATIC_DEPS)
  message(STATUS "GLIB: shared (Debian's shared libnice needs the shared GLib)")
endif()

# libnice and libsrtp2: by default the static builds that
# scripts/deps-from-source.sh makes from Debian's source packages without
# UPnP-IGD, GnuTLS or NSS (docs/dependencies.md says why). Either way the
# targets are PkgConfig::NICE and PkgConfig::SRTP2.
set(DIALTONE_DEPS_DIR /opt/dialtone-deps/${CMAKE_LIBRARY_ARCHITECTURE} CACHE PATH
  "Where scripts/deps-from-source.sh installed the static libnice and libsrtp2")
if(DIALTONE_SYSTEM_LIBS)
  pkg_check_modules(NICE REQUIRED IMPORTED_TARGET nice)
  pkg_check_modules(SRTP2 REQUIRED IMPORTED_TARGET libsrtp2)
else()
  foreach(f lib/libnice.a lib/libsrtp2.a lib/pkgconfig/nice.pc include/nice/agent.h include/srtp2/srtp.h)
    if(NOT EXISTS ${DIALTONE_DEPS_DIR}/${f})
      if(CMAKE_CROSSCOMPILING)
        set(how "scripts/cross-setup.sh <arch> (or scripts/cross-build.sh <arch>)")
      else()
        set(how "scripts/setup.sh (or scripts/deps-from-source.sh)")
      endif()
      message(FATAL_ERROR "No static libnice/libsrtp2 in ${DIALTONE_DEPS_DIR} (missing ${f}). "
        "Run ${how} to build them from Debian's sources, or pass "
        "-DDIALTONE_SYSTEM_LIBS=ON to link Debian's packaged libraries instead.")
    endif()
  endforeach()
  # A cache built before libnice's crypto moved to mbedTLS would leave
  # OpenSSL's symbols unresolved at link time: say so here instead.
  file(STRINGS ${DIALTONE_DEPS_DIR}/lib/pkgconfig/nice.pc nice_libs REGEX "^Libs:")
  if(NOT nice_libs MATCHES "-lmbedcrypto")
    message(FATAL_ERROR "The libnice in ${DIALTONE_DEPS_DIR} is not built over mbedTLS: "
      "run scripts/deps-from-source.sh again.")
  endif()
  # The archives are named by path rather than through their .pc files: in a
  # sysroot cross build pkg-config prefixes every path with the sysroot,
  # which the cache is not in. What they need in turn (their .pc files'
  # Requires.private): GLib, GObject and GIO, as PkgConfig::GLIB links them
  # (static or shared), and libmbedcrypto (dep::mbedtls, below): libnice's
  # STUN HMAC-SHA1 and MD5, through our patch (scripts/patches/), in place of
  # OpenSSL's libcrypto.
  add_library(PkgConfig::NICE STATIC IMPORTED GLOBAL)
  set_target_properties(PkgConfig::NICE PROPERTIES
    IMPORTED_LOCATION ${DIALTONE_DEPS_DIR}/lib/libnice.a
    INTERFACE_INCLUDE_DIRECTORIES "${DIALTONE_DEPS_DIR}/include/nice;${DIALTONE_DEPS_DIR}/include"
    INTERFACE_LINK_LIBRARIES "PkgConfig::GLIB;dep::mbedtls")
  # Built-in crypto: libsrtp2 needs nothing else.
  add_library(PkgConfig::SRTP2 STATIC IMPORTED GLOBAL)
  set_target_properties(PkgConfig::SRTP2 PROPERTIES
    IMPORTED_LOCATION ${DIALTONE_DEPS_DIR}/lib/libsrtp2.a
    INTERFACE_INCLUDE_DIRECTORIES ${DIALTONE_DEPS_DIR}/include)
  message(STATUS "libnice, libsrtp2: static, from ${DIALTONE_DEPS_DIR}")
endif()

pkg_check_modules(OPUS REQUIRED IMPORTED_TARGET opus)
pkg_check_modules(CJSON REQUIRED IMPORTED_TARGET libcjson)
pkg_check_modules(ALSA REQUIRED IMPORTED_TARGET alsa)
pkg_check_modules(GPIOD REQUIRED IMPORTED_TARGET libgpiod)
pkg_check_modules(SPEEXDSP REQUIRED IMPORTED_TARGET speexdsp)
# Host name lookups that do not block the event loop (protocol/dns/).
pkg_check_modules(CARES REQUIRED IMPORTED_TARGET libcares)
# SIP grammar (protocol/sip/): oSIP's parser, allocating from our pool.
pkg_check_modules(OSIP2 REQUIRED IMPORTED_TARGET libosip2)
# Debian ships no archive of libcjson or alsa-lib (which also loads its
# plugins as shared objects): those stay shared.
foreach(prefix OPUS CJSON ALSA GPIOD SPEEXDSP CARES OSIP2)
  dialtone_link_static(${prefix})
endforeach()

function(dialtone_find_plain name header)
  find_path(${name}_INCLUDE_DIR ${header} REQUIRED)
  set(libs)
  if(DIALTONE_STATIC_DEPS)
    dialtone_archives(libs missing shared ${ARGN})
    if(missing)
      message(STATUS "${name}: shared (no ${missing} for this target)")
    else()
      dialtone_report_static(${name} "${ARGN}" "")
    endif()
  endif()
  if(NOT libs)
    foreach(lib ${ARGN})
      find_library(${name}_${lib}_LIBRARY ${lib} REQUIRED)
      list(APPEND libs ${${name}_${lib}_LIBRARY})
    endforeach()
  endif()
  add_library(dep::${name} INTERFACE IMPORTED GLOBAL)
  set_target_properties(dep::${name} PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES ${${name}_INCLUDE_DIR}
    INTERFACE_LINK_LIBRARIES "${libs}")
endfunction()

# mbedTLS: the agent's TLS and DTLS, and the static libnice's STUN crypto.
dialtone_find_plain(mbedtls mbedtls/ssl.h mbedtls mbedx509 mbedcrypto)
dialtone_find_plain(http_parser http_parser.h http_parser)
dialtone_find_plain(wslay wslay/wslay.h wslay)

find_package(GTest)

# Our own code: each function and object in its own section, so that the
# linker's --gc-sections drops what nothing calls; libstdc++ and libgcc come
# from their archives too. The binaries link dialtone_static_runtime. (Not in
# a sanitizer build, whose runtime is shared and wants the shared C++
# runtime beside it; not in benchmarks linking Debian's shared
# libbenchmark, which brings the shared libstdc++ with it.)
add_library(dialtone_static_runtime INTERFACE)
if(DIALTONE_STATIC_DEPS)
  add_compile_options(-ffunction-sections -fdata-sections)
  if(NOT DIALTONE_SANITIZE)
    target_link_options(dialtone_static_runtime INTERFACE
      -static-libstdc++ -static-libgcc LINKER:--gc-sections)
  endif()
endif()
