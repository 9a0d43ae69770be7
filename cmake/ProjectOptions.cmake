# Shared compile settings. Warnings and sanitizers come from CMakePresets.json (CMAKE_CXX_FLAGS),
# so a plain `cmake -S . -B build` stays usable with any compiler.

# tsunagi_apply_defaults(target): the settings every first-party target gets.
function(tsunagi_apply_defaults target)
  target_compile_features(${target} PUBLIC cxx_std_20)
  set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE ON)
endfunction()

# Third-party headers are included as SYSTEM so that -Werror applies to our code only.
foreach(imported IN ITEMS Poco::Foundation Poco::Net Poco::NetSSL Poco::Crypto Poco::Util Poco::XML
                          Poco::JSON Poco::Encodings OpenSSL::SSL OpenSSL::Crypto LibXml2::LibXml2
                          PostgreSQL::PostgreSQL spdlog::spdlog)
  if(TARGET ${imported})
    get_target_property(dirs ${imported} INTERFACE_INCLUDE_DIRECTORIES)
    if(dirs)
      set_target_properties(${imported} PROPERTIES INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${dirs}")
    endif()
  endif()
endforeach()
