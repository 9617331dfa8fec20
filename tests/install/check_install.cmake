# ctest -R install_find_package: installs the build into a scratch prefix,
# configures and builds tests/install/consumer against it with
# find_package(sleeparch), runs it on a known night and checks its output.
# Variables: BUILD_DIR, SOURCE_DIR, WORK_DIR, GENERATOR.
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(out "${out}" PARENT_SCOPE)
endfunction()
run(${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${WORK_DIR}/prefix")
run(${CMAKE_COMMAND} -S "${SOURCE_DIR}/tests/install/consumer" -B "${WORK_DIR}/build" -G "${GENERATOR}"
    -DCMAKE_BUILD_TYPE=Release "-DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix")
run(${CMAKE_COMMAND} --build "${WORK_DIR}/build")
# 8 hours of N2 from 23:00 Berlin time, winter: TST 480, SE 100, +01:00.
file(WRITE "${WORK_DIR}/night.txt" "# start: 2025-01-10T23:00:00\n")
foreach(i RANGE 1 960)
  file(APPEND "${WORK_DIR}/night.txt" "N2\n")
endforeach()
run("${WORK_DIR}/build/consumer" "${WORK_DIR}/night.txt")
set(want "version 0.1.0 nights 1\ntst_min 480.0 se_pct 100.0 utc_offset_min 60\n")
if(NOT out STREQUAL want)
  message(FATAL_ERROR "consumer printed:\n${out}\nexpected:\n${want}")
endif()
if(NOT EXISTS "${WORK_DIR}/prefix/include/sleeparch/api.hpp" OR NOT EXISTS "${WORK_DIR}/prefix/bin/sleeparch")
  message(FATAL_ERROR "the install lacks include/sleeparch/api.hpp or bin/sleeparch")
endif()
message(STATUS "find_package(sleeparch) consumer: ${out}")
