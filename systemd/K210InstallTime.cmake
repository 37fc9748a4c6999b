# Included by install(CODE) blocks: runs at install time, when the real
# CMAKE_INSTALL_PREFIX is known (cmake --install --prefix, CPack's /usr).
#
# The caller sets, from configure time:
#   K210_CFG_SYSCONFDIR  CMAKE_INSTALL_SYSCONFDIR (relative or absolute)
#   K210_CFG_SBINDIR     CMAKE_INSTALL_SBINDIR (relative or absolute)
#   K210_CFG_STAGING     a directory of the build tree for generated files
# and gets K210_CONF_DIR (the directory of k210sockd.conf), K210_SBIN_DIR and
# K210_CONF_ARG (the -f option the daemon needs when the config is not where it
# looks by default), K210_NETIF_CONF_ARG (the same for k210-netif).

# Same rule as GNUInstallDirs: a /usr or / prefix keeps its configuration in /etc.
if(IS_ABSOLUTE "${K210_CFG_SYSCONFDIR}")
  set(K210_CONF_DIR "${K210_CFG_SYSCONFDIR}/k210sockd")
elseif(CMAKE_INSTALL_PREFIX MATCHES "^/(usr/?)?$")
  set(K210_CONF_DIR "/etc/k210sockd")
else()
  set(K210_CONF_DIR "${CMAKE_INSTALL_PREFIX}/${K210_CFG_SYSCONFDIR}/k210sockd")
endif()

if(IS_ABSOLUTE "${K210_CFG_SBINDIR}")
  set(K210_SBIN_DIR "${K210_CFG_SBINDIR}")
else()
  string(REGEX REPLACE "/+$" "" k210_prefix "${CMAKE_INSTALL_PREFIX}")
  set(K210_SBIN_DIR "${k210_prefix}/${K210_CFG_SBINDIR}")
endif()

if(K210_CONF_DIR STREQUAL "/etc/k210sockd")
  set(K210_CONF_ARG "")
  set(K210_NETIF_CONF_ARG "")
else()
  set(K210_CONF_ARG " -f ${K210_CONF_DIR}/k210sockd.conf")
  set(K210_NETIF_CONF_ARG " -f ${K210_CONF_DIR}/k210-netif.conf")
endif()

# Generate <template> with the install-time paths and install it as
# <destination>/<name>; a relative destination is taken under the prefix.
function(k210_install_generated template destination name)
  if(NOT IS_ABSOLUTE "${destination}")
    set(destination "${CMAKE_INSTALL_PREFIX}/${destination}")
  endif()
  set(generated "${K210_CFG_STAGING}/${name}")
  configure_file("${template}" "${generated}" @ONLY)
  file(INSTALL DESTINATION "${destination}" TYPE FILE FILES "${generated}")
endfunction()
