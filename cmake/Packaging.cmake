# Debian package of everything `cmake --install` puts in place: cpack -G DEB
# in the build tree. The package always installs under /usr with its
# configuration in /etc, whatever prefix the build tree was configured with.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME k210sockd)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_VENDOR "k210sockd")
set(CPACK_PACKAGE_CONTACT "k210sockd maintainers <k210sockd@users.noreply.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "share the WiFi of a K210 board over USB serial")
set(CPACK_PACKAGE_DESCRIPTION
  "k210sockd lets programs on a Linux PC use the WiFi of a Sipeed K210 board
(Maix Dock, Maix Go: ESP8285 module) plugged in over USB serial. It serves a
Unix socket that speaks SOCKS5 (curl, git) and a native protocol for the
k210sock command line tool and the libk210sock library: TCP and UDP
connections, listening sockets, DNS and WiFi control, carried over a framed,
checksummed and retransmitted serial link. k210-netif makes the board a
network interface (k210-0) for programs without proxy support.
.
The package includes the firmware image for the board, systemd units with
socket activation, a udev rule for Sipeed's USB-serial bridges, and the
k210-emu and espat-sim programs that emulate a board without hardware.")

# Absolute destinations (the configuration in /etc) need DESTDIR staging.
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${CPACK_PACKAGE_CONTACT}")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# libk210sock ships in the same package: dpkg-shlibdeps finds it in the staging
# tree (paths are relative to it) and the package declares its shlibs.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS "usr/${CMAKE_INSTALL_LIBDIR}")
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
# kill(1) serves ExecReload= of k210sockd.service.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "procps")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "systemd, udev")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "curl")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  "${PROJECT_SOURCE_DIR}/packaging/debian/conffiles"
  "${PROJECT_SOURCE_DIR}/packaging/debian/postinst"
  "${PROJECT_SOURCE_DIR}/packaging/debian/prerm"
  "${PROJECT_SOURCE_DIR}/packaging/debian/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

include(CPack)
