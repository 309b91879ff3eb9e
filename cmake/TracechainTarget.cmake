# Compiler settings shared by every tracechain target.
#
# tracechain_target(<target>) applies warnings, the optional -Werror and the
# optional sanitizers. Every library, program, test and benchmark calls it, so
# a sanitizer build covers the whole tree.

set(TRACECHAIN_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
    -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough)

if(TRACECHAIN_SANITIZE)
  set(TRACECHAIN_SANITIZER_FLAGS -fsanitize=address,undefined -fno-omit-frame-pointer
      -fno-sanitize-recover=undefined)
  # GCC 12's flow analysis reports uninitialised members inside libstdc++
  # (std::regex, std::function) once sanitizer instrumentation is on; those are
  # false positives, and the same code is warning-free without sanitizers.
  list(APPEND TRACECHAIN_WARNINGS -Wno-maybe-uninitialized)
endif()

function(tracechain_target target)
  target_compile_options(${target} PRIVATE ${TRACECHAIN_WARNINGS})
  if(TRACECHAIN_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(TRACECHAIN_SANITIZE)
    target_compile_options(${target} PRIVATE ${TRACECHAIN_SANITIZER_FLAGS})
    target_link_options(${target} PRIVATE ${TRACECHAIN_SANITIZER_FLAGS})
  endif()
endfunction()
