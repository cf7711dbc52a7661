# FindMimetic: locate the mimetic MIME library (Debian: libmimetic-dev), which ships no
# CMake package configuration. Defines the imported target Mimetic::Mimetic.
find_path(Mimetic_INCLUDE_DIR NAMES mimetic/mimetic.h)
if(AUTODNS_STATIC_DEPS)
  find_library(Mimetic_STATIC_LIBRARY NAMES libmimetic.a)
  set(Mimetic_LIBRARY "${Mimetic_STATIC_LIBRARY}")
else()
  find_library(Mimetic_SHARED_LIBRARY NAMES mimetic)
  set(Mimetic_LIBRARY "${Mimetic_SHARED_LIBRARY}")
endif()
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Mimetic REQUIRED_VARS Mimetic_LIBRARY Mimetic_INCLUDE_DIR)
if(Mimetic_FOUND AND NOT TARGET Mimetic::Mimetic)
  add_library(Mimetic::Mimetic UNKNOWN IMPORTED)
  set_target_properties(Mimetic::Mimetic PROPERTIES
    IMPORTED_LOCATION "${Mimetic_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${Mimetic_INCLUDE_DIR}")
endif()
mark_as_advanced(Mimetic_INCLUDE_DIR Mimetic_STATIC_LIBRARY Mimetic_SHARED_LIBRARY)
