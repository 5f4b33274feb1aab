# The YNA line (firmware/line/yna_*): include()d from firmware/CMakeLists.txt
# (or by the YNA tests until it is); the guard makes a second include harmless.
include_guard(GLOBAL)
include(${PROJECT_SOURCE_DIR}/firmware/web/web.cmake)
add_library(dialtone_yna_line STATIC ${PROJECT_SOURCE_DIR}/firmware/line/yna_line.cpp)
target_include_directories(dialtone_yna_line PUBLIC ${PROJECT_SOURCE_DIR})
# config.cpp is the firmware library's; the line only reads config structs (header-only use).
target_link_libraries(dialtone_yna_line PUBLIC dialtone_core dialtone_protocol dialtone_web PRIVATE dialtone_warnings)
