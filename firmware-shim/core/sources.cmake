# The firmware core's sources, listed once for the host builds
# (firmware-shim/CMakeLists.txt) and the K210 image (a separate CMake project).
set(K210_CORE_SOURCE_NAMES
  at.c boot.c esp.c evlog.c fairq.c host.c pool.c req.c ring.c shim.c
  sock.c sock_esp.c sock_host.c sock_serve.c sock_urc.c txt.c wifi.c)
