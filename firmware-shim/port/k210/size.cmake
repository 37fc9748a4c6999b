# Section sizes of the K210 firmware image, shared by the size report and
# the size tests.  Reads `riscv64-unknown-elf-size -A` and the .bin.
#
# k210_firmware_sizes(<size tool> <elf> <bin> <prefix>) sets, in bytes:
#   <prefix>_IMAGE       the .bin the boot ROM loads (.text .rodata .data)
#   <prefix>_TEXT, _RODATA, _DATA, _BSS, _NOINIT, _STACK, _ENTROPY_WINDOW
#   <prefix>_STATIC_RAM  .data + .bss + .noinit: variables, not the stack
#   <prefix>_SRAM_USED   everything the image claims from the 6 MB SRAM, the pool aside
#   <prefix>_RX_POOL     the SRAM left behind it: the receive pool
function(k210_firmware_sizes size_tool elf bin prefix)
  execute_process(COMMAND ${size_tool} -A ${elf}
    OUTPUT_VARIABLE out RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${size_tool} -A ${elf} failed")
  endif()
  if(NOT EXISTS ${bin})
    message(FATAL_ERROR "${bin} is missing")
  endif()
  file(SIZE ${bin} image)

  foreach(name TEXT RODATA INIT_ARRAY DATA BSS NOINIT STACK ENTROPY_WINDOW RX_POOL)
    set(${name} 0)
  endforeach()
  string(REPLACE "\n" ";" lines "${out}")
  foreach(line ${lines})
    if(line MATCHES "^\\.([a-z_]+)[ \t]+([0-9]+)[ \t]+[0-9]+")
      string(TOUPPER "${CMAKE_MATCH_1}" name)
      if(DEFINED ${name})
        set(${name} ${CMAKE_MATCH_2})
      endif()
    endif()
  endforeach()

  math(EXPR static_ram "${DATA} + ${BSS} + ${NOINIT}")
  math(EXPR sram_used "${TEXT} + ${RODATA} + ${INIT_ARRAY} + ${DATA} + ${BSS} + ${NOINIT} + ${STACK} + ${ENTROPY_WINDOW}")
  set(${prefix}_IMAGE ${image} PARENT_SCOPE)
  set(${prefix}_TEXT ${TEXT} PARENT_SCOPE)
  set(${prefix}_RODATA ${RODATA} PARENT_SCOPE)
  set(${prefix}_DATA ${DATA} PARENT_SCOPE)
  set(${prefix}_BSS ${BSS} PARENT_SCOPE)
  set(${prefix}_NOINIT ${NOINIT} PARENT_SCOPE)
  set(${prefix}_STACK ${STACK} PARENT_SCOPE)
  set(${prefix}_ENTROPY_WINDOW ${ENTROPY_WINDOW} PARENT_SCOPE)
  set(${prefix}_STATIC_RAM ${static_ram} PARENT_SCOPE)
  set(${prefix}_SRAM_USED ${sram_used} PARENT_SCOPE)
  set(${prefix}_RX_POOL ${RX_POOL} PARENT_SCOPE)
endfunction()

# k210_config_value(<config.h> <NAME> <var>): a CONFIG_* number from the core's config.h
# (a product of unsigned literals at most, as "(5632u * 1024u)").
function(k210_config_value config name var)
  file(STRINGS ${config} lines REGEX "^#define ${name} ")
  if(NOT lines)
    message(FATAL_ERROR "${name} not found in ${config}")
  endif()
  string(REGEX REPLACE "^#define ${name} +" "" expr "${lines}")
  string(REGEX REPLACE "([0-9]+)u" "\\1" expr "${expr}")
  math(EXPR value "${expr}")
  set(${var} ${value} PARENT_SCOPE)
endfunction()
