#ifndef FUZZ_DRIVER_C_H
#define FUZZ_DRIVER_C_H

#include <stddef.h>
#include <stdint.h>

// libFuzzer's entry for programs that keep their own main (compiler-rt FuzzerDriver.cpp):
// parses libFuzzer's flags from argc/argv and runs `callback` on every input.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
