# Install directories for systemd and udev snippets.
#
# The directory comes from the module's pkg-config file with its prefix moved
# to CMAKE_INSTALL_PREFIX, and is kept relative to the prefix whenever it lies
# under it: that way `cmake --install --prefix`, DESTDIR staging and CPack
# (which installs with its own prefix) all put the files in the matching tree.
# Without pkg-config data the usual layout under the prefix is used. A cache
# variable set by hand (absolute or relative) always wins.
include_guard(GLOBAL)
find_package(PkgConfig QUIET)

function(k210_install_dir out_var cache_var module pc_variable fallback)
  set(${cache_var} "" CACHE STRING
    "Install directory for ${module} ${pc_variable} files (empty: ask pkg-config, else ${fallback})")
  if(NOT "${${cache_var}}" STREQUAL "")
    set(${out_var} "${${cache_var}}" PARENT_SCOPE)
    return()
  endif()

  set(dir "${fallback}")
  if(PKG_CONFIG_FOUND)
    execute_process(
      COMMAND "${PKG_CONFIG_EXECUTABLE}"
              "--define-variable=prefix=${CMAKE_INSTALL_PREFIX}"
              "--define-variable=root_prefix=${CMAKE_INSTALL_PREFIX}"
              "--define-variable=rootprefix=${CMAKE_INSTALL_PREFIX}"
              "--variable=${pc_variable}" "${module}"
      OUTPUT_VARIABLE pc_dir
      RESULT_VARIABLE pc_result
      OUTPUT_STRIP_TRAILING_WHITESPACE
      ERROR_QUIET)
    if(pc_result EQUAL 0 AND IS_ABSOLUTE "${pc_dir}")
      string(REGEX REPLACE "/+$" "" prefix "${CMAKE_INSTALL_PREFIX}")
      string(LENGTH "${prefix}/" prefix_length)
      string(SUBSTRING "${pc_dir}/" 0 ${prefix_length} head)
      if(head STREQUAL "${prefix}/")
        string(SUBSTRING "${pc_dir}" ${prefix_length} -1 dir)
      else()
        set(dir "${pc_dir}")
      endif()
    endif()
  endif()
  set(${out_var} "${dir}" PARENT_SCOPE)
endfunction()
