# Every test runs as an entry of its own (cmake -P; tests/CMakeLists.txt registers it as a CTest entry).
#
# A Catch2 test name with a ';' is split by catch_discover_tests into fragments that run nothing; such fragments
# passed for months (-w NoTests now fails them). This check compares three counts per Catch2 executable: the
# TEST_CASEs in its sources (read as text, so a test the build lost is noticed), the names the executable lists,
# and the CTest entries of its label, each listed name being an entry of its own. It refuses a name with a ';'.
# The browser entries: one per browser_test() call of tests/CMakeLists.txt, each running a script that exists.
# Every entry carries one label of a known kind, so nothing is registered outside these counts.
#
# Inputs: CTEST (ctest), BUILD_DIR, SUITES (label|executable|sources, one line each), TESTS_DIR (tests/).
cmake_minimum_required(VERSION 3.19)  # string(JSON)

set(errors "")
macro(fail message)
  string(APPEND errors "  ${message}\n")
endmacro()

# The entries CTest discovered, as JSON.
execute_process(COMMAND ${CTEST} --test-dir ${BUILD_DIR} --show-only=json-v1 OUTPUT_VARIABLE listing
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "ctest --show-only failed (${rc})")
endif()
string(JSON tests GET "${listing}" tests)
string(JSON total LENGTH "${tests}")
# Names joined by newlines (not a CMake list: a list would split at ';' and group at '[', the very characters at
# issue), and counts per label.
set(entries "\n")
set(known_labels unit integration recorded browser lint package fuzz check)
foreach(label ${known_labels})
  set(count_${label} 0)
endforeach()
set(browser_scripts "")
math(EXPR last "${total} - 1")
foreach(i RANGE ${last})
  string(JSON test GET "${tests}" ${i})
  string(JSON name GET "${test}" name)
  string(APPEND entries "${name}\n")
  set(label "")
  string(JSON nprops ERROR_VARIABLE none LENGTH "${test}" properties)
  if(nprops GREATER 0)
    math(EXPR plast "${nprops} - 1")
    foreach(p RANGE ${plast})
      string(JSON pname GET "${test}" properties ${p} name)
      if(pname STREQUAL "LABELS")
        string(JSON label GET "${test}" properties ${p} value 0)
      endif()
    endforeach()
  endif()
  if(NOT label IN_LIST known_labels)
    fail("'${name}' has no known label (${label}): register it with one of ${known_labels}, so it is counted")
    continue()
  endif()
  math(EXPR count_${label} "${count_${label}} + 1")
  if(label STREQUAL "browser")
    # With node, the command is node SCRIPT ...; without it, a skipped entry that names its script.
    string(JSON ncmd ERROR_VARIABLE none LENGTH "${test}" command)
    if(ncmd GREATER 1)
      string(JSON script GET "${test}" command 1)
      if(NOT EXISTS "${script}")
        fail("'${name}' runs ${script}, which does not exist")
      endif()
    endif()
  endif()
endforeach()

# Each Catch2 executable.
set(summary "")
file(STRINGS ${SUITES} suites)
foreach(suite ${suites})
  string(REPLACE "|" ";" suite "${suite}")
  list(GET suite 0 label)
  list(GET suite 1 executable)
  list(GET suite 2 sources)
  string(REPLACE "," ";" sources "${sources}")
  set(in_sources 0)
  foreach(source ${sources})
    if(NOT IS_ABSOLUTE "${source}")
      set(source "${TESTS_DIR}/${source}")
    endif()
    file(STRINGS "${source}" cases
         REGEX "^[ \t]*(TEST_CASE|TEST_CASE_METHOD|SCENARIO|TEMPLATE_TEST_CASE|TEMPLATE_TEST_CASE_SIG|TEMPLATE_PRODUCT_TEST_CASE|METHOD_AS_TEST_CASE|REGISTER_TEST_CASE)[ \t]*\\(")
    list(LENGTH cases n)
    math(EXPR in_sources "${in_sources} + ${n}")
  endforeach()
  execute_process(COMMAND ${executable} --list-test-names-only OUTPUT_VARIABLE names RESULT_VARIABLE rc)
  # Catch2 exits with the number of tests it listed; a crash is a string or negative.
  if(NOT rc MATCHES "^[0-9]+$")
    fail("${executable} --list-test-names-only failed: ${rc}")
  endif()
  # A ';' is shown as "<semicolon>" from here on: in a CMake list it would split the name, as it does in CTest.
  string(REPLACE ";" "<semicolon>" names "${names}")
  string(REGEX MATCHALL "[^\n]*<semicolon>[^\n]*" split "${names}")
  foreach(bad ${split})
    fail("${label}: a test name holds a ';' (CTest splits it into entries that test nothing; use ',' or ':'): ${bad}")
  endforeach()
  string(REPLACE "\n" ";" names "${names}")
  set(listed 0)
  foreach(n IN LISTS names)
    if(n STREQUAL "")
      continue()
    endif()
    math(EXPR listed "${listed} + 1")
    # catch_discover_tests names the entry PREFIX + name, the prefix being the label and a colon.
    string(FIND "${entries}" "\n${label}:${n}\n" at)
    if(at EQUAL -1)
      fail("${label}: '${n}' is listed by the executable but is no CTest entry '${label}:${n}'")
    endif()
  endforeach()
  if(NOT in_sources EQUAL listed OR NOT listed EQUAL count_${label})
    fail("${label}: ${in_sources} TEST_CASEs in the sources, ${listed} listed by the executable, ${count_${label}} CTest entries")
  endif()
  string(APPEND summary "${label} ${in_sources}/${listed}/${count_${label}}, ")
endforeach()

# The browser scripts: one entry per browser_test() call.
file(STRINGS ${TESTS_DIR}/CMakeLists.txt calls REGEX "^[ \t]*browser_test[ \t]*\\(")
list(LENGTH calls in_cmake)
if(NOT in_cmake EQUAL count_browser)
  fail("browser: ${in_cmake} browser_test() calls in tests/CMakeLists.txt, ${count_browser} CTest entries")
endif()
string(APPEND summary "browser ${in_cmake}/${count_browser}")

message("Entries: ${total} (per executable: TEST_CASEs in the sources/listed/CTest entries; ${summary}; "
        "lint ${count_lint}, package ${count_package}, fuzz ${count_fuzz}, check ${count_check})")
if(errors)
  message(FATAL_ERROR "Tests that would not run as entries of their own:\n${errors}")
endif()
