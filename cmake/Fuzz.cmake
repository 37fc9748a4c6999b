# k210_add_fuzzer(<area> <what> [SOURCES <files...>] [LIBS <libs...>] [LABELS <labels...>])
#
# One layout for every fuzz target, in the test directory of the part it
# fuzzes (tests/<area>/):
#   fuzz/<what>.c          LLVMFuzzerTestOneInput
#   fuzz/seeds/<what>/     named inputs: hand-made cases and regressions
#   fuzz/corpus/<what>/    inputs the fuzzer generated, named by their SHA-1
# The target and its ctest are both named <area>-fuzz-<what>; SOURCES are
# added to fuzz/<what>.c.
#
# With K210_FUZZ (clang), builds a libFuzzer target whose test fuzzes from
# the seeds and the corpus for K210_FUZZ_SECONDS; what it finds goes to
# <area>-fuzz-<what>-corpus in the build directory (merge it into
# fuzz/corpus/<what> with -merge=1).  Without K210_FUZZ, the same target is
# linked with a driver that replays the seeds and the corpus, so every fuzz
# target still builds and its inputs still run in ordinary test runs.
set(K210_FUZZ_SECONDS 15 CACHE STRING "Seconds each fuzzer runs in ctest")

function(k210_add_fuzzer area what)
  cmake_parse_arguments(F "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  set(name ${area}-fuzz-${what})
  set(inputs)
  foreach(kind seeds corpus)
    if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/${kind}/${what})
      list(APPEND inputs ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/${kind}/${what})
    endif()
  endforeach()
  if(NOT EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/seeds/${what})
    message(FATAL_ERROR "${name}: no named inputs in fuzz/seeds/${what}")
  endif()
  set(sources ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/${what}.c ${F_SOURCES})
  if(K210_FUZZ)
    add_executable(${name} ${sources})
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
    set(work ${CMAKE_CURRENT_BINARY_DIR}/${name}-corpus)
    file(MAKE_DIRECTORY ${work})
    add_test(NAME ${name}
      COMMAND ${name} -max_total_time=${K210_FUZZ_SECONDS} -timeout=10 -rss_limit_mb=2048
              -print_final_stats=1 ${work} ${inputs})
    set_tests_properties(${name} PROPERTIES TIMEOUT 300)
  else()
    add_executable(${name} ${sources} ${PROJECT_SOURCE_DIR}/tests/common/fuzz_replay.c)
    add_test(NAME ${name} COMMAND ${name} ${inputs})
  endif()
  set(labels fuzz ${F_LABELS})
  set_tests_properties(${name} PROPERTIES LABELS "${labels}")
  target_link_libraries(${name} PRIVATE ${F_LIBS})
endfunction()
