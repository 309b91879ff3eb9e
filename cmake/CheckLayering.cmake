# Fails if a layer includes a header of a layer above it or beside it.
# Run as: cmake -DSOURCE_DIR=<repo> -P CheckLayering.cmake
#
# The order is DESIGN's: crypto < ledger < storage < consensus < node < cli.
# A layer may include its own headers and those of the layers before it.
# cli sits above node only to write node homes (tracectl init); it reaches a
# running node over JSON-RPC, never in-process.

set(allowed_crypto    crypto)
set(allowed_ledger    crypto ledger)
set(allowed_storage   crypto ledger storage)
set(allowed_consensus crypto ledger storage consensus)
set(allowed_node      crypto ledger storage consensus node)
set(allowed_cli       crypto ledger storage consensus node cli)
set(layers crypto ledger storage consensus node cli)

set(violations "")
foreach(layer IN LISTS layers)
  if(NOT IS_DIRECTORY "${SOURCE_DIR}/${layer}")
    continue()
  endif()
  file(GLOB_RECURSE sources "${SOURCE_DIR}/${layer}/*.h" "${SOURCE_DIR}/${layer}/*.cc")
  foreach(source IN LISTS sources)
    file(STRINGS "${source}" includes REGEX "^#include \"[a-z_]+/")
    foreach(line IN LISTS includes)
      string(REGEX REPLACE "^#include \"([a-z_]+)/.*" "\\1" target "${line}")
      list(FIND layers "${target}" is_layer)
      if(is_layer EQUAL -1)
        continue()
      endif()
      list(FIND allowed_${layer} "${target}" permitted)
      if(permitted EQUAL -1)
        file(RELATIVE_PATH relative "${SOURCE_DIR}" "${source}")
        string(APPEND violations "  ${relative}: ${line} (${layer} may not use ${target})\n")
      endif()
    endforeach()
  endforeach()
endforeach()

# The replica (node/replica.*) runs under the deterministic simulator as it
# runs in tracechaind: no asio, no threads, no clock of its own.
foreach(source "${SOURCE_DIR}/node/replica.h" "${SOURCE_DIR}/node/replica.cc")
  if(NOT EXISTS "${source}")
    continue()
  endif()
  file(STRINGS "${source}" forbidden
       REGEX "#include <boost/asio|#include <thread>|#include <chrono>|system_clock|steady_clock|std::thread")
  foreach(line IN LISTS forbidden)
    file(RELATIVE_PATH relative "${SOURCE_DIR}" "${source}")
    string(APPEND violations "  ${relative}: ${line} (the replica has no asio, thread or clock)\n")
  endforeach()
endforeach()
if(violations)
  message(FATAL_ERROR "layering violations:\n${violations}")
endif()
message(STATUS "layering: every include follows the layer order")
