# Fails when the firmware outgrows its budget.  CHECK is "image" (the .bin
# the boot ROM loads) or "static-ram" (.data + .bss + .noinit, no stack).
include(${SIZE_CMAKE})

k210_firmware_sizes(${SIZE_TOOL} ${ELF} ${BIN} fw)
message("image (.bin):                          ${fw_IMAGE} bytes (limit ${LIMIT})")
message("static RAM (.data + .bss + .noinit):   ${fw_STATIC_RAM} bytes (limit ${LIMIT})")

if(CHECK STREQUAL "image")
  set(value ${fw_IMAGE})
elseif(CHECK STREQUAL "static-ram")
  set(value ${fw_STATIC_RAM})
else()
  message(FATAL_ERROR "unknown CHECK '${CHECK}'")
endif()
if(value GREATER LIMIT)
  message(FATAL_ERROR "${CHECK}: ${value} bytes exceeds the ${LIMIT}-byte limit")
endif()
message("${CHECK}: ${value} <= ${LIMIT}: ok")
