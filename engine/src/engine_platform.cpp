// engine_platform.cpp: see engine_platform.h.
#include "engine_platform.h"

#ifdef _WIN32
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>
#include <sys/stat.h>
#include <sys/types.h>

static std::wstring engine_widen(const std::string & s) {
    if (s.empty()) return std::wstring();
    int n = MultiByteToWideChar(CP_UTF8, 0, s.data(), (int) s.size(), nullptr, 0);
    std::wstring w((size_t) (n > 0 ? n : 0), L'\0');
    if (n > 0) MultiByteToWideChar(CP_UTF8, 0, s.data(), (int) s.size(), &w[0], n);
    return w;
}

FILE * engine_fopen(const std::string & path, const char * mode) {
    return _wfopen(engine_widen(path).c_str(), engine_widen(mode).c_str());
}

bool engine_file_size(const std::string & path, uint64_t * size) {
    struct _stat64 st;
    if (_wstat64(engine_widen(path).c_str(), &st) != 0) return false;
    *size = (uint64_t) st.st_size;
    return true;
}

bool engine_fseek64(FILE * f, uint64_t offset) { return _fseeki64(f, (__int64) offset, SEEK_SET) == 0; }

bool engine_rename_replace(const std::string & from, const std::string & to) {
    return MoveFileExW(engine_widen(from).c_str(), engine_widen(to).c_str(), MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH) != 0;
}

bool engine_remove(const std::string & path) { return _wremove(engine_widen(path).c_str()) == 0; }

#else
#include <sys/stat.h>
#include <sys/types.h>

FILE * engine_fopen(const std::string & path, const char * mode) { return fopen(path.c_str(), mode); }

bool engine_file_size(const std::string & path, uint64_t * size) {
    struct stat st;
    if (stat(path.c_str(), &st) != 0) return false;
    *size = (uint64_t) st.st_size;
    return true;
}

bool engine_fseek64(FILE * f, uint64_t offset) { return fseeko(f, (off_t) offset, SEEK_SET) == 0; }

bool engine_rename_replace(const std::string & from, const std::string & to) { return rename(from.c_str(), to.c_str()) == 0; }

bool engine_remove(const std::string & path) { return remove(path.c_str()) == 0; }
#endif
