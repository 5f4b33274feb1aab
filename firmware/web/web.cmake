# The local web page (firmware/web): page logic + its plain-HTTP server.
# include()d through firmware/line/yna_line.cmake, by the firmware and by the
# YNA unit tests; the guard makes a second include harmless.
include_guard(GLOBAL)
add_library(dialtone_web STATIC
  ${PROJECT_SOURCE_DIR}/firmware/web/web_page.cpp
  ${PROJECT_SOURCE_DIR}/firmware/web/page_render.cpp
  ${PROJECT_SOURCE_DIR}/firmware/web/local_time.cpp
  ${PROJECT_SOURCE_DIR}/firmware/web/web_server.cpp)
target_include_directories(dialtone_web PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(dialtone_web PUBLIC dialtone_core dialtone_protocol dialtone_firmware PRIVATE dialtone_warnings)
