# The local web page (firmware/web): page logic + its plain-HTTP server.
# include()d from firmware/CMakeLists.txt (or by the YNA unit tests when the
# firmware file does not include it yet); the guard makes that harmless.
include_guard(GLOBAL)
add_library(dialtone_web STATIC
  ${PROJECT_SOURCE_DIR}/firmware/web/web_page.cpp
  ${PROJECT_SOURCE_DIR}/firmware/web/web_server.cpp)
target_include_directories(dialtone_web PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(dialtone_web PUBLIC dialtone_core dialtone_protocol dialtone_firmware PRIVATE dialtone_warnings)
