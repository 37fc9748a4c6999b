# The protocol library's portable sources, listed once for the host build
# (proto/CMakeLists.txt) and the K210 image (a separate CMake project).
# proto_errno.c is host-only: it maps protocol errors onto errno values.
set(K210_PROTO_PORTABLE_SOURCES crc32c.c frame.c link.c link_arq.c link_baud.c msg.c proto.c)
