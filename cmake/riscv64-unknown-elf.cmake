# Cross toolchain for the K210 firmware: Debian's gcc-riscv64-unknown-elf with
# picolibc (picolibc-riscv64-unknown-elf).
#
# The K210 is rv64imafdc.  GCC 12 follows ISA spec 20191213, where the CSR and
# fence.i instructions live in their own extensions, so they are named
# explicitly.  This -march/-mabi pair selects gcc's default multilib ("."),
# which both libgcc and picolibc ship as rv64imafdc/lp64d.  medany because the
# image runs at 0x80000000, out of reach of medlow's absolute addressing.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR riscv64)

set(K210_TRIPLE riscv64-unknown-elf)
find_program(CMAKE_C_COMPILER ${K210_TRIPLE}-gcc)
if(NOT CMAKE_C_COMPILER)
  message(FATAL_ERROR "${K210_TRIPLE}-gcc not found: run scripts/deps (Debian packages "
    "gcc-riscv64-unknown-elf and picolibc-riscv64-unknown-elf)")
endif()
set(CMAKE_ASM_COMPILER ${CMAKE_C_COMPILER})
find_program(CMAKE_OBJCOPY ${K210_TRIPLE}-objcopy)
find_program(CMAKE_OBJDUMP ${K210_TRIPLE}-objdump)
find_program(CMAKE_SIZE ${K210_TRIPLE}-size)
find_program(CMAKE_NM ${K210_TRIPLE}-nm)

# Nothing can run on the build machine, so configure checks only compile.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(K210_ARCH_FLAGS "-march=rv64imafdc_zicsr_zifencei -mabi=lp64d -mcmodel=medany")
set(CMAKE_C_FLAGS_INIT "${K210_ARCH_FLAGS} --specs=picolibc.specs")
set(CMAKE_ASM_FLAGS_INIT "${K210_ARCH_FLAGS}")
# The compile flags (and so --specs) are on the link line already; start.S is
# the start-up code, not picolibc's crt0.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-nostartfiles")

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
