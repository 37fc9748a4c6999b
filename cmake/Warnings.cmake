# The warning set every target in the tree is built with.
set(K210_WARNINGS
  -Wall -Wextra -Wshadow -Wmissing-prototypes -Wstrict-prototypes
  -Wcast-qual -Wsign-compare -Wpointer-arith -Wformat=2 -Wundef)
if(K210_WERROR)
  list(APPEND K210_WARNINGS -Werror)
endif()
add_compile_options(${K210_WARNINGS})
