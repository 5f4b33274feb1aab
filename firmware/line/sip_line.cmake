# The SIP line (firmware/line/sip_*): include()d from firmware/CMakeLists.txt
# and by the SIP line's tests; the guard makes a second include harmless.
include_guard(GLOBAL)
add_library(dialtone_sip_line STATIC
  ${PROJECT_SOURCE_DIR}/firmware/line/sip_transport.cpp
  ${PROJECT_SOURCE_DIR}/firmware/line/sip_line.cpp)
target_include_directories(dialtone_sip_line PUBLIC ${PROJECT_SOURCE_DIR})
# config.cpp is the firmware library's; the line only reads config structs (header-only use).
target_link_libraries(dialtone_sip_line PUBLIC dialtone_core dialtone_protocol PRIVATE dialtone_warnings)
