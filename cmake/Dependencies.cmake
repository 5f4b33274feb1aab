# Every third-party library the project links, as imported targets.
# Debian's mbedTLS 2.28, http-parser and wslay ship no pkg-config files,
# so those are found by header and library name.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)

pkg_check_modules(GLIB REQUIRED IMPORTED_TARGET glib-2.0 gio-2.0)

function(dialtone_find_plain name header)
  find_path(${name}_INCLUDE_DIR ${header} REQUIRED)
  set(libs)
  foreach(lib ${ARGN})
    find_library(${name}_${lib}_LIBRARY ${lib} REQUIRED)
    list(APPEND libs ${${name}_${lib}_LIBRARY})
  endforeach()
  add_library(dep::${name} INTERFACE IMPORTED GLOBAL)
  set_target_properties(dep::${name} PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES ${${name}_INCLUDE_DIR}
    INTERFACE_LINK_LIBRARIES "${libs}")
endfunction()

# mbedTLS: the agent's TLS and DTLS, and the static libnice's STUN crypto.
dialtone_find_plain(mbedtls mbedtls/ssl.h mbedtls mbedx509 mbedcrypto)

# libnice and libsrtp2: by default the static builds that
# scripts/deps-from-source.sh makes from Debian's source packages without
# UPnP-IGD, GnuTLS or NSS (docs/dependencies.md says why). Either way the
# targets are PkgConfig::NICE and PkgConfig::SRTP2.
option(DIALTONE_SYSTEM_LIBS "Use Debian's packaged libnice and libsrtp2" OFF)
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
  # Requires.private) is the system's or target's shared libraries, found as
  # usual. libmbedcrypto: libnice's STUN HMAC-SHA1 and MD5, through our
  # patch (scripts/patches/), in place of OpenSSL's libcrypto.
  pkg_check_modules(NICE_DEPS REQUIRED IMPORTED_TARGET gio-2.0 gobject-2.0 glib-2.0)
  add_library(PkgConfig::NICE STATIC IMPORTED GLOBAL)
  set_target_properties(PkgConfig::NICE PROPERTIES
    IMPORTED_LOCATION ${DIALTONE_DEPS_DIR}/lib/libnice.a
    INTERFACE_INCLUDE_DIRECTORIES "${DIALTONE_DEPS_DIR}/include/nice;${DIALTONE_DEPS_DIR}/include"
    INTERFACE_LINK_LIBRARIES "PkgConfig::NICE_DEPS;${mbedtls_mbedcrypto_LIBRARY}")
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

dialtone_find_plain(http_parser http_parser.h http_parser)
dialtone_find_plain(wslay wslay/wslay.h wslay)

find_package(GTest)
