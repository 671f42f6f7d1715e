# Per-module include roots: how the build enforces the layering.
#
# There is no global include path to src/. Each library exports only its own
# headers, through a directory of its own in the build tree,
#
#   <build>/include/<target>/<module path>/<header>.h  ->  src/<module path>/<header>.h
#
# (one symbolic link per header), added to the target's PUBLIC include
# directories. So `#include "core/error.h"` resolves only in code that links
# wale_core (directly, or through a PUBLIC dependency), and a module that
# includes a header of a module it does not link -- an upward include -- fails
# to compile with "No such file or directory". The test build.layering checks
# both that and every #include against the declared dependencies.

# wale_module_headers(<target>): exports the *.h files of the calling
# directory (not of its subdirectories: store/ and its drivers store/local/,
# store/s3/ are separate libraries) as <target>'s headers.
function(wale_module_headers target)
  file(RELATIVE_PATH module ${PROJECT_SOURCE_DIR}/src ${CMAKE_CURRENT_SOURCE_DIR})
  set(root ${PROJECT_BINARY_DIR}/include/${target})
  file(GLOB headers CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.h)
  file(REMOVE_RECURSE ${root})
  file(MAKE_DIRECTORY ${root}/${module})
  foreach(header ${headers})
    get_filename_component(name ${header} NAME)
    file(CREATE_LINK ${header} ${root}/${module}/${name} SYMBOLIC)
  endforeach()
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "EXECUTABLE")
    target_include_directories(${target} PRIVATE ${root})
  else()
    target_include_directories(${target} PUBLIC ${root})
  endif()
  set_property(GLOBAL APPEND PROPERTY WALE_MODULES "${module}=${target}")
endfunction()

# The wale_* libraries whose headers `target` may include: itself, what it
# links directly, and what those export (their PUBLIC dependencies, closed
# transitively). PRIVATE dependencies of a dependency are not included: their
# headers are not on the include path.
function(_wale_exported out target)
  set(result ${target})
  get_target_property(deps ${target} INTERFACE_LINK_LIBRARIES)
  foreach(dep ${deps})
    if(TARGET ${dep} AND dep MATCHES "^wale_")
      _wale_exported(sub ${dep})
      list(APPEND result ${sub})
    endif()
  endforeach()
  list(REMOVE_DUPLICATES result)
  set(${out} ${result} PARENT_SCOPE)
endfunction()

# wale_write_layering(<file>): one line per module, "<module path>:<target>:
# <module paths it may include, separated by spaces>", for cmake/CheckLayering.cmake.
# Call after every module's target is defined.
function(wale_write_layering file)
  get_property(modules GLOBAL PROPERTY WALE_MODULES)
  set(content "")
  foreach(entry ${modules})
    string(REPLACE "=" ";" pair ${entry})
    list(GET pair 0 module)
    list(GET pair 1 target)
    set(allowed_targets ${target})
    get_target_property(direct ${target} LINK_LIBRARIES)
    foreach(dep ${direct})
      if(TARGET ${dep} AND dep MATCHES "^wale_")
        _wale_exported(sub ${dep})
        list(APPEND allowed_targets ${sub})
      endif()
    endforeach()
    set(allowed "")
    foreach(other ${modules})
      string(REPLACE "=" ";" opair ${other})
      list(GET opair 0 omodule)
      list(GET opair 1 otarget)
      if(otarget IN_LIST allowed_targets)
        list(APPEND allowed ${omodule})
      endif()
    endforeach()
    string(REPLACE ";" " " allowed "${allowed}")
    string(APPEND content "${module}:${target}:${allowed}\n")
  endforeach()
  file(WRITE ${file} "${content}")
endfunction()
