# Helpers that give every target of the project the same warnings and include root.

set(KIOSK_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
    -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual -Werror)

# GCC 12's optimiser reports impossible sizes and uninitialised reads inside libstdc++'s
# std::vector, std::string, std::function and std::expected when it inlines them (its known false
# positives, e.g. GCC bugs 105329, 105651, 107138). Builds without optimisation (debug) keep these
# warnings; optimised GCC builds, where they are noise, leave them out: release, and asan, which
# is built at -Og (CMakePresets.json).
set(KIOSK_OPTIMISED OFF)
if(NOT CMAKE_BUILD_TYPE STREQUAL "Debug" OR CMAKE_CXX_FLAGS_DEBUG MATCHES "-O[1-3szg]")
  set(KIOSK_OPTIMISED ON)
endif()
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND KIOSK_OPTIMISED)
  list(APPEND KIOSK_WARNINGS -Wno-array-bounds -Wno-restrict -Wno-stringop-overread
       -Wno-stringop-overflow -Wno-maybe-uninitialized)
endif()

# kiosk_library(NAME SOURCES... [LINK libs...])
function(kiosk_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LINK" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_compile_options(${name} PRIVATE ${KIOSK_WARNINGS})
  # base/ is the ring below every other: any library may use it (docs/architecture.md, "Rings").
  target_link_libraries(${name} PUBLIC kiosk_base)
  if(ARG_LINK)
    target_link_libraries(${name} PUBLIC ${ARG_LINK})
  endif()
endfunction()

# kiosk_executable(NAME SOURCES... [LINK libs...])
function(kiosk_executable name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LINK" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR})
  target_compile_options(${name} PRIVATE ${KIOSK_WARNINGS})
  if(ARG_LINK)
    target_link_libraries(${name} PRIVATE ${ARG_LINK})
  endif()
endfunction()

# The compile options of every test file, and of the target that precompiles Catch2 for them
# (a precompiled header serves only files compiled with the options it was made with).
function(kiosk_test_options name)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR})
  target_compile_options(${name} PRIVATE ${KIOSK_WARNINGS})
  # The code under test is built with both sanitizers (the asan preset); the tests' own files,
  # Catch2's templates, with neither: the checks find nothing in code that is not the product's
  # and cost CI's 20 minutes dearly. UBSan's cost one test file's compilation half again (20.6 s
  # against 13.1 s), AddressSanitizer's half of what was left (the tests were 626 of the build's
  # 1,255 s). The sanitizers' runtime is linked all the same (the preset's linker flags), so
  # every allocation, the tests' too, is the sanitizer's, and the product's code checks each
  # access it makes. What is lost: a template both the tests and the product instantiate, and
  # the product's copy not inlined, may run from the tests' unchecked copy.
  target_compile_options(${name} PRIVATE -fno-sanitize=address,undefined)
  # And without optimisation: the time the tests take is spent in the code under test, and
  # optimising Catch2's templates would cost the build more than it saves the run.
  target_compile_options(${name} PRIVATE -O0)
  # _REENTRANT: SDL2's compile flags define it, and a precompiled header made without a macro
  # the file defines is refused, so every test file and the header itself define it.
  target_compile_definitions(${name} PRIVATE
    KIOSK_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    KIOSK_BINARY_DIR="${PROJECT_BINARY_DIR}"
    _REENTRANT)
endfunction()

# kiosk_test(NAME SOURCES... [LINK libs...] [ENVIRONMENT vars...] [LABELS labels...]
#            [COST seconds] [PROCESS_PER_CASE])
# A Catch2 (v2) test binary: one CTest test that runs all its cases in one process (under
# AddressSanitizer every process costs about 0.2 s to start, and some 860 of them cost minutes
# of CI). With KIOSK_TESTS_PER_CASE=ON its cases are registered with CTest one by one instead,
# each in a process of its own, so that `ctest -R` picks one. PROCESS_PER_CASE registers them
# so either way: a process holds one umockdev testbed (docs/platform-facts.md). COST, about how
# long the binary runs under the asan preset, makes CTest start it before the quick ones, so that
# the longest does not start last on CI's two cores (CTest knows the times only after a run).
function(kiosk_test name)
  cmake_parse_arguments(ARG "PROCESS_PER_CASE" "COST" "SOURCES;LINK;ENVIRONMENT;LABELS" ${ARGN})
  if(NOT ARG_COST)
    set(ARG_COST 0)
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE kiosk_catch_main ${ARG_LINK})
  kiosk_test_options(${name})
  # Catch2's header, compiled once for every test file (tests/support/CMakeLists.txt).
  target_precompile_headers(${name} REUSE_FROM kiosk_test_pch)
  if(KIOSK_TESTS_PER_CASE OR ARG_PROCESS_PER_CASE)
    catch_discover_tests(${name}
      TEST_PREFIX "${name}: "
      PROPERTIES ENVIRONMENT "${ARG_ENVIRONMENT}" LABELS "${ARG_LABELS}" COST ${ARG_COST})
  else()
    add_test(NAME ${name} COMMAND ${name})
    set_tests_properties(${name} PROPERTIES
      ENVIRONMENT "${ARG_ENVIRONMENT}" LABELS "${ARG_LABELS}" COST ${ARG_COST})
  endif()
endfunction()

# Adds every child folder of the current source folder that has a CMakeLists.txt: one folder
# is one concept (docs/style.md, "Folders"), and a folder takes part as soon as it has one.
# kiosk_add_concept_folders([EXCEPT folders...]) leaves out folders the caller added first.
function(kiosk_add_concept_folders)
  cmake_parse_arguments(ARG "" "" "EXCEPT" ${ARGN})
  file(GLOB children LIST_DIRECTORIES true RELATIVE ${CMAKE_CURRENT_SOURCE_DIR}
       ${CMAKE_CURRENT_SOURCE_DIR}/*)
  list(SORT children)
  foreach(child IN LISTS children)
    if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${child}/CMakeLists.txt AND NOT child IN_LIST ARG_EXCEPT)
      add_subdirectory(${child})
    endif()
  endforeach()
endfunction()
