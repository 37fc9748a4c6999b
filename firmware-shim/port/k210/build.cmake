# K210 firmware image, cross-compiled as an ExternalProject of the host tree
# (included from firmware-shim/CMakeLists.txt).  Defines the target
# k210-firmware and, for the size tests, K210_FIRMWARE_ELF/_BIN and
# K210_SIZE_TOOL.
if(NOT K210_FIRMWARE)
  return()
endif()

set(K210_HOST_MAX_BAUD 3000000 CACHE STRING "Highest host-link baud rate the K210 firmware offers")
set(K210_BOARD_NAME "K210 (ESP8285)" CACHE STRING "Board name the K210 firmware reports")

find_program(K210_RISCV_GCC riscv64-unknown-elf-gcc)
find_program(K210_SIZE_TOOL riscv64-unknown-elf-size)
if(NOT K210_RISCV_GCC OR NOT K210_SIZE_TOOL)
  message(FATAL_ERROR
    "K210_FIRMWARE is ON but the RISC-V cross compiler (riscv64-unknown-elf-gcc, "
    "riscv64-unknown-elf-size) was not found.  Run scripts/deps as root to install "
    "gcc-riscv64-unknown-elf and picolibc-riscv64-unknown-elf, or configure with "
    "-DK210_FIRMWARE=OFF to build without the firmware.")
endif()
execute_process(COMMAND ${K210_RISCV_GCC} -print-file-name=picolibc.specs
  OUTPUT_VARIABLE k210_picolibc_specs OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT IS_ABSOLUTE "${k210_picolibc_specs}")
  message(FATAL_ERROR
    "K210_FIRMWARE is ON but picolibc for riscv64-unknown-elf is missing.  Run "
    "scripts/deps as root to install picolibc-riscv64-unknown-elf, or configure "
    "with -DK210_FIRMWARE=OFF.")
endif()

include(ExternalProject)
set(k210_dir ${CMAKE_CURRENT_BINARY_DIR}/k210)
ExternalProject_Add(k210-firmware
  SOURCE_DIR ${CMAKE_CURRENT_LIST_DIR}
  BINARY_DIR ${k210_dir}
  CMAKE_CACHE_ARGS
    -DCMAKE_TOOLCHAIN_FILE:FILEPATH=${PROJECT_SOURCE_DIR}/cmake/riscv64-unknown-elf.cmake
    -DK210_TOP:PATH=${PROJECT_SOURCE_DIR}
    -DK210_WERROR:BOOL=${K210_WERROR}
    -DK210_HOST_MAX_BAUD:STRING=${K210_HOST_MAX_BAUD}
    -DK210_BOARD_NAME:STRING=${K210_BOARD_NAME}
  INSTALL_COMMAND ""
  # The sub-build tracks its own dependencies (core, proto, port sources).
  BUILD_ALWAYS ON
  BUILD_BYPRODUCTS
    ${k210_dir}/k210sockd-shim.elf
    ${k210_dir}/k210sockd-shim.bin
    ${k210_dir}/k210sockd-shim.map
    ${k210_dir}/k210sockd-shim.size.txt)

set(K210_FIRMWARE_ELF ${k210_dir}/k210sockd-shim.elf CACHE INTERNAL "")
set(K210_FIRMWARE_BIN ${k210_dir}/k210sockd-shim.bin CACHE INTERNAL "")
set(K210_SIZE_CMAKE ${CMAKE_CURRENT_LIST_DIR}/size.cmake CACHE INTERNAL "")

install(FILES ${k210_dir}/k210sockd-shim.bin
  DESTINATION ${CMAKE_INSTALL_DATADIR}/k210sockd/firmware)
