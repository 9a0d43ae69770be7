# Run at build time (cmake -P): writes build_info.hpp only when the revision changed, so an
# incremental build recompiles one file after a commit and nothing when nothing changed.
execute_process(COMMAND git describe --always --dirty --abbrev=12
                WORKING_DIRECTORY "${SOURCE_DIR}" OUTPUT_VARIABLE TSUNAGI_GIT_REVISION
                OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR TSUNAGI_GIT_REVISION STREQUAL "")
  set(TSUNAGI_GIT_REVISION "unknown")
endif()
configure_file("${INPUT}" "${OUTPUT}.tmp" @ONLY)
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different "${OUTPUT}.tmp" "${OUTPUT}")
