# The build's identity, fixed at configure time (userspace/buildinfo/build_info.h).
# The revision is git's when the source is a checkout, "unknown" otherwise (a
# release tarball); configuring again follows HEAD, which a commit moves. The build
# date honours SOURCE_DATE_EPOCH (string(TIMESTAMP) reads it), so a reproducible
# build gets the same binary twice.
set(DARKSCOPE_REVISION unknown)
find_package(Git QUIET)
if(GIT_FOUND)
  execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --short=12 HEAD
                  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR} RESULT_VARIABLE rc
                  OUTPUT_VARIABLE rev OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(rc EQUAL 0 AND rev)
    set(DARKSCOPE_REVISION ${rev})
    # Reconfigure when HEAD or the branch it names moves.
    execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --symbolic-full-name HEAD
                    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR} OUTPUT_VARIABLE branch
                    OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    foreach(ref HEAD ${branch})
      execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --path-format=absolute --git-path ${ref}
                      WORKING_DIRECTORY ${PROJECT_SOURCE_DIR} OUTPUT_VARIABLE file
                      OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
      if(file AND EXISTS ${file})
        set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${file})
      endif()
    endforeach()
  endif()
endif()
string(TIMESTAMP DARKSCOPE_BUILD_DATE "%Y%m%d-%H:%M:%S" UTC)
configure_file(${CMAKE_CURRENT_LIST_DIR}/build_info.cpp.in ${CMAKE_CURRENT_BINARY_DIR}/build_info.cpp @ONLY)
