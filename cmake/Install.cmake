# `cmake --install` for a board: the binaries, the board's default
# configuration, and the systemd/sysusers/udev files that start the agent at
# boot as an unprivileged user. Included from the top CMakeLists.txt after the
# layers, so the targets exist.
#
#   cmake -S . -B build-arm64 -DCMAKE_TOOLCHAIN_FILE=toolchain/aarch64-linux-gnu.cmake \
#         -DDIALTONE_BOARD=pi-handset -DCMAKE_INSTALL_PREFIX=/usr
#   cmake --build build-arm64 && DESTDIR=/tmp/rootfs cmake --install build-arm64
#
# With CMAKE_INSTALL_PREFIX=/usr the files land where Debian puts them
# (/usr/bin, /etc/dialtone, /usr/lib/systemd/system, /usr/lib/sysusers.d,
# /usr/lib/udev/rules.d); with the default /usr/local, under /usr/local
# (systemd and sysusers search /usr/local/lib too; udev does not, so the
# rule goes to /etc/udev/rules.d then).
include(GNUInstallDirs)

set(DIALTONE_BOARD "sim" CACHE STRING
    "Board whose default configuration is installed (packaging/config/<board>.json)")
set(_dialtone_pkg ${PROJECT_SOURCE_DIR}/packaging)
if(NOT EXISTS ${_dialtone_pkg}/config/${DIALTONE_BOARD}.json)
  file(GLOB _boards RELATIVE ${_dialtone_pkg}/config ${_dialtone_pkg}/config/*.json)
  string(REPLACE ".json" "" _boards "${_boards}")
  message(FATAL_ERROR "DIALTONE_BOARD=${DIALTONE_BOARD}: no packaging/config/${DIALTONE_BOARD}.json (have: ${_boards})")
endif()

# Plain lib/, not CMAKE_INSTALL_LIBDIR (lib/<triplet> on Debian): systemd
# looks in <prefix>/lib/systemd/system and <prefix>/lib/sysusers.d.
set(DIALTONE_SYSTEMD_UNIT_DIR lib/systemd/system CACHE STRING
    "Where dialtoned.service goes (relative: under the prefix)")
set(DIALTONE_SYSUSERS_DIR lib/sysusers.d CACHE STRING
    "Where the sysusers.d file goes (relative: under the prefix)")
# udev reads /usr/lib/udev/rules.d and /etc/udev/rules.d only. Not cached:
# it follows the prefix if that changes.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(_dialtone_udev_dir lib/udev/rules.d)
else()
  set(_dialtone_udev_dir /etc/udev/rules.d)
endif()

# --- binaries ----------------------------------------------------------------
foreach(t dialtoned dialtonectl)
  if(TARGET ${t})
    install(TARGETS ${t} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)
  endif()
endforeach()

# --- configuration -----------------------------------------------------------
# Every board's default goes to <datadir>/dialtone/config/ (replaced on each
# install). The chosen board's becomes <sysconfdir>/dialtone/config.json only
# if there is none yet: that file holds the line's credentials once someone
# has set it up, and an upgrade must not overwrite it.
install(DIRECTORY ${_dialtone_pkg}/config/
        DESTINATION ${CMAKE_INSTALL_DATADIR}/dialtone/config COMPONENT runtime
        FILES_MATCHING PATTERN "*.json")
set(_dialtone_config_src ${_dialtone_pkg}/config/${DIALTONE_BOARD}.json)
install(CODE "
  set(_dest \"\$ENV{DESTDIR}${CMAKE_INSTALL_FULL_SYSCONFDIR}/dialtone/config.json\")
  if(EXISTS \"\${_dest}\")
    message(STATUS \"Keeping existing: \${_dest}\")
  else()
    message(STATUS \"Installing: \${_dest} (board ${DIALTONE_BOARD})\")
    # file(INSTALL) adds DESTDIR itself.
    file(INSTALL DESTINATION \"${CMAKE_INSTALL_FULL_SYSCONFDIR}/dialtone\"
         TYPE FILE PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
         RENAME config.json FILES \"${_dialtone_config_src}\")
  endif()" COMPONENT runtime)

# --- systemd, sysusers, udev -------------------------------------------------
set(DIALTONE_FULL_BINDIR ${CMAKE_INSTALL_FULL_BINDIR})
set(DIALTONE_FULL_SYSCONFDIR ${CMAKE_INSTALL_FULL_SYSCONFDIR})
set(DIALTONE_FULL_DOCDIR ${CMAKE_INSTALL_FULL_DOCDIR})
configure_file(${_dialtone_pkg}/systemd/dialtoned.service.in
               ${PROJECT_BINARY_DIR}/packaging/dialtoned.service @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/packaging/dialtoned.service
        DESTINATION ${DIALTONE_SYSTEMD_UNIT_DIR} COMPONENT runtime)
install(FILES ${_dialtone_pkg}/systemd/dialtone.sysusers
        DESTINATION ${DIALTONE_SYSUSERS_DIR} RENAME dialtone.conf COMPONENT runtime)
install(FILES ${_dialtone_pkg}/udev/60-dialtone-gpio.rules
        DESTINATION ${_dialtone_udev_dir} COMPONENT runtime)
if(EXISTS ${PROJECT_SOURCE_DIR}/docs/boards.md)
  install(FILES ${PROJECT_SOURCE_DIR}/docs/boards.md DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT runtime)
endif()
