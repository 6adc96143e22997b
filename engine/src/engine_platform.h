// engine_platform.h: the few OS-dependent file operations of the engine, so the
// rest of engine/src stays portable C++17 (POSIX and Windows, MSVC or MinGW).
// Paths are UTF-8 everywhere (they come from N-API strings); on Windows they are
// converted to UTF-16 and the wide CRT/Win32 calls are used.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

// fopen with a UTF-8 path (Windows: _wfopen).
FILE * engine_fopen(const std::string & path, const char * mode);
// Size of a regular file; false when it does not exist (Windows: _wstat64, so > 2 GiB works).
bool engine_file_size(const std::string & path, uint64_t * size);
// Absolute seek with a 64-bit offset (Windows' long is 32-bit: _fseeki64).
bool engine_fseek64(FILE * f, uint64_t offset);
// Rename that replaces an existing target (Windows: MoveFileExW(MOVEFILE_REPLACE_EXISTING),
// since rename() fails there when the target exists).
bool engine_rename_replace(const std::string & from, const std::string & to);
// remove() with a UTF-8 path (Windows: _wremove).
bool engine_remove(const std::string & path);
// Number of set bits (MSVC has no __builtin_popcount).
inline int engine_popcount32(uint32_t v) {
    int n = 0;
    for (; v; v &= v - 1) n++;
    return n;
}
