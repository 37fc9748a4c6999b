# k210_add_fuzzer(<name> SOURCES <files...> [LIBS <libs...>] CORPUS <seed dir>)
#
# With K210_FUZZ (clang), builds a libFuzzer target and registers a ctest
# that fuzzes from the seed corpus for K210_FUZZ_SECONDS.  Without it, the
# same target is linked with a driver that replays the seeds, so every
# fuzz target still builds and its seeds still run in ordinary test runs.
set(K210_FUZZ_SECONDS 15 CACHE STRING "Seconds each fuzzer runs in ctest")

function(k210_add_fuzzer name)
  cmake_parse_arguments(F "" "CORPUS" "SOURCES;LIBS" ${ARGN})
  if(K210_FUZZ)
    add_executable(${name} ${F_SOURCES})
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
    set(work ${CMAKE_CURRENT_BINARY_DIR}/${name}-corpus)
    file(MAKE_DIRECTORY ${work})
    add_test(NAME ${name}-run
      COMMAND ${name} -max_total_time=${K210_FUZZ_SECONDS} -timeout=10 -rss_limit_mb=2048
              -print_final_stats=1 ${work} ${F_CORPUS})
    set_tests_properties(${name}-run PROPERTIES LABELS "fuzz" TIMEOUT 300)
  else()
    add_executable(${name} ${F_SOURCES} ${PROJECT_SOURCE_DIR}/tests/fuzz/replay.c)
    add_test(NAME ${name}-seeds COMMAND ${name} ${F_CORPUS})
    set_tests_properties(${name}-seeds PROPERTIES LABELS "fuzz")
  endif()
  target_link_libraries(${name} PRIVATE ${F_LIBS})
endfunction()
