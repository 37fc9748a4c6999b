# Writes REPORT (and prints it): image bytes and static RAM of the firmware.
# cmake -DSIZE_TOOL=<riscv64-unknown-elf-size> -DELF=<elf> -DBIN=<bin>
#       -DREPORT=<out.txt> -P size-report.cmake
include(${CMAKE_CURRENT_LIST_DIR}/size.cmake)

k210_firmware_sizes(${SIZE_TOOL} ${ELF} ${BIN} fw)
math(EXPR sram_total "6 * 1024 * 1024")

set(text "k210sockd-shim size report\n")
foreach(row
    "image (.bin, flashed):${fw_IMAGE}"
    "  .text:${fw_TEXT}"
    "  .rodata:${fw_RODATA}"
    "  .data:${fw_DATA}"
    ".bss:${fw_BSS}"
    ".noinit:${fw_NOINIT}"
    "stack:${fw_STACK}"
    "entropy window (read once at boot):${fw_ENTROPY_WINDOW}"
    "static RAM (.data + .bss + .noinit):${fw_STATIC_RAM}"
    "SRAM claimed (of ${sram_total}):${fw_SRAM_USED}"
    "receive pool (the SRAM left):${fw_RX_POOL}")
  string(REPLACE ":" ";" cells "${row}")
  list(GET cells 0 label)
  list(GET cells 1 value)
  string(LENGTH "${label}" len)
  math(EXPR pad "42 - ${len}")
  string(REPEAT " " ${pad} spaces)
  string(APPEND text "${label}${spaces}${value} bytes\n")
endforeach()

file(WRITE ${REPORT} "${text}")
message("${text}")
