// The file that kiosk_test_pch compiles so that CMake makes its precompiled header, which every
// test binary reuses (tests/support/CMakeLists.txt).
