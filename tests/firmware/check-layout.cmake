# The layout the K210 boot ROM and start.S rely on:
#  - execution starts at the image's first byte, 0x80000000, in _start;
#  - the .bin is everything from 0x80000000 to the end of .data, nothing more;
#  - mtvec takes trap_entry, which must be 4-byte aligned;
#  - .bss is 8-byte aligned at both ends (start.S clears it in doublewords);
#  - everything, stack included, ends inside the 6 MB general SRAM;
#  - the SRAM left behind it, the receive pool, holds the CONFIG_RX_POOL
#    bytes the core uses (the emulated board has exactly as many).
include(${SIZE_CMAKE})

set(sram_base 2147483648)             # 0x80000000
math(EXPR sram_end "${sram_base} + 6 * 1024 * 1024")
set(failures "")

execute_process(COMMAND ${READELF_TOOL} -h ${ELF} OUTPUT_VARIABLE header RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT header MATCHES "Entry point address:[ \t]+0x([0-9a-fA-F]+)")
  message(FATAL_ERROR "cannot read the ELF header of ${ELF}")
endif()
math(EXPR entry "0x${CMAKE_MATCH_1}")

execute_process(COMMAND ${NM_TOOL} ${ELF} OUTPUT_VARIABLE symbols RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${NM_TOOL} ${ELF} failed")
endif()
foreach(sym _start trap_entry __image_end __bss_start __bss_end __stack_top __entropy_window_end
    __rx_pool_start __rx_pool_end)
  if(NOT symbols MATCHES "(^|\n)([0-9a-f]+) [A-Za-z] ${sym}\n")
    message(FATAL_ERROR "symbol ${sym} missing from ${ELF}")
  endif()
  math(EXPR addr_${sym} "0x${CMAKE_MATCH_2}")
endforeach()

k210_firmware_sizes(${SIZE_TOOL} ${ELF} ${BIN} fw)
math(EXPR loaded "${addr___image_end} - ${sram_base}")
math(EXPR trap_misalign "${addr_trap_entry} % 4")
math(EXPR bss_misalign "(${addr___bss_start} | ${addr___bss_end}) % 8")

message("entry ${entry}, _start ${addr__start}, trap_entry ${addr_trap_entry}")
message(".bin ${fw_IMAGE} bytes, 0x80000000 to the end of .data ${loaded} bytes")
message("stack top ${addr___stack_top}, last byte claimed ${addr___entropy_window_end}, SRAM end ${sram_end}")

if(NOT entry EQUAL sram_base OR NOT addr__start EQUAL sram_base)
  list(APPEND failures "execution must start at 0x80000000 in _start")
endif()
if(NOT fw_IMAGE EQUAL loaded)
  list(APPEND failures ".bin size differs from the loaded span 0x80000000..__image_end")
endif()
if(NOT trap_misalign EQUAL 0)
  list(APPEND failures "trap_entry is not 4-byte aligned")
endif()
if(NOT bss_misalign EQUAL 0)
  list(APPEND failures ".bss bounds are not 8-byte aligned")
endif()
if(addr___entropy_window_end GREATER sram_end OR addr___stack_top GREATER sram_end)
  list(APPEND failures "the image does not fit the 6 MB general SRAM")
endif()
k210_config_value(${CONFIG_H} CONFIG_RX_POOL rx_pool_want)
math(EXPR rx_pool_have "${addr___rx_pool_end} - ${addr___rx_pool_start}")
message("receive pool: ${rx_pool_have} bytes left, the core uses ${rx_pool_want}")
if(rx_pool_have LESS rx_pool_want)
  list(APPEND failures "the SRAM left (${rx_pool_have} bytes) is short of CONFIG_RX_POOL (${rx_pool_want})")
endif()
if(addr___rx_pool_end GREATER sram_end)
  list(APPEND failures "the receive pool runs past the 6 MB general SRAM")
endif()
if(failures)
  string(REPLACE ";" "\n  " failures "${failures}")
  message(FATAL_ERROR "layout check failed:\n  ${failures}")
endif()
message("layout: ok")
