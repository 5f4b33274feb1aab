# Every third-party library the project links, as imported targets.
# Debian's mbedTLS 2.28, http-parser and wslay ship no pkg-config files,
# so those are found by header and library name.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)

pkg_check_modules(GLIB REQUIRED IMPORTED_TARGET glib-2.0 gio-2.0)
pkg_check_modules(NICE REQUIRED IMPORTED_TARGET nice)
pkg_check_modules(SRTP2 REQUIRED IMPORTED_TARGET libsrtp2)
pkg_check_modules(OPUS REQUIRED IMPORTED_TARGET opus)
pkg_check_modules(CJSON REQUIRED IMPORTED_TARGET libcjson)
pkg_check_modules(ALSA REQUIRED IMPORTED_TARGET alsa)
pkg_check_modules(GPIOD REQUIRED IMPORTED_TARGET libgpiod)
pkg_check_modules(SPEEXDSP REQUIRED IMPORTED_TARGET speexdsp)
# Host name lookups that do not block the event loop (protocol/dns/).
pkg_check_modules(CARES REQUIRED IMPORTED_TARGET libcares)

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

dialtone_find_plain(mbedtls mbedtls/ssl.h mbedtls mbedx509 mbedcrypto)
dialtone_find_plain(http_parser http_parser.h http_parser)
dialtone_find_plain(wslay wslay/wslay.h wslay)

find_package(GTest)
