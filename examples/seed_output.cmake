# What the seed's four programs must print, checked by examples/check_output.sh: every
# line, their order, and the gaps between stamped lines as lower bounds only. Used for the
# examples and for asyncpp-demo's subcommands, which run the same code.
set(asyncpp_stamp "[A-Z][a-z]{2} [A-Z][a-z]{2} [ 1-3][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{4}")
set(asyncpp_seed_output_hello_goodbye "${asyncpp_stamp} Hello!" "${asyncpp_stamp} Goodbye!@1.0")
set(asyncpp_seed_output_low_level_loop ${asyncpp_seed_output_hello_goodbye})
set(asyncpp_seed_output_gather_factorial "\\[2, 6, 24\\]")
set(asyncpp_seed_output_run_in_executor
  "${asyncpp_stamp} Hello!" "${asyncpp_stamp} Hello from a thread!@0.5" "${asyncpp_stamp} Goodbye!@1.0")

# asyncpp_add_seed_output_test(NAME PROGRAM COMMAND...): the test NAME runs COMMAND and
# checks it prints what the seed's PROGRAM prints.
function(asyncpp_add_seed_output_test name program)
  add_test(NAME ${name} COMMAND bash ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/check_output.sh
    ${asyncpp_seed_output_${program}} -- ${ARGN})
endfunction()
