# SPDX-License-Identifier: BSD-2-Clause
# Gives a fuzz run a fresh, writable copy of a seed corpus in the build
# directory: libFuzzer adds the inputs it finds to its corpus directory,
# and the source tree must never be written at test time.
#   cmake -DSRC=<seed dir> -DDST=<run dir> -P prepare_corpus.cmake
if(NOT SRC OR NOT DST)
  message(FATAL_ERROR "usage: cmake -DSRC=dir -DDST=dir -P prepare_corpus.cmake")
endif()
file(REMOVE_RECURSE "${DST}")
file(MAKE_DIRECTORY "${DST}")
file(GLOB seeds "${SRC}/*")
if(seeds)
  file(COPY ${seeds} DESTINATION "${DST}")
endif()
