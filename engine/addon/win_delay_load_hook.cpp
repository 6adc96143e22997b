// win_delay_load_hook.cpp (Windows only, compiled by build.mjs for win32 targets).
// The addon's N-API imports are bound to "node.exe" through an import library made
// from node-api-headers' def/node_api.def, and delay-loaded (/DELAYLOAD:node.exe).
// This hook resolves that "node.exe" to the process that loads the addon, so the
// same clipo_engine.node works in node.exe and in Electron (whose executable has
// another name). Same idea as node-gyp's src/win_delay_load_hook.cc.
#ifdef _WIN32
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#include <delayimp.h>
#include <string.h>

static FARPROC WINAPI clipo_load_exe_hook(unsigned int event, DelayLoadInfo * info) {
    if (event != dliNotePreLoadLibrary) return NULL;
    if (_stricmp(info->szDll, "node.exe") != 0) return NULL;
    return (FARPROC) GetModuleHandleW(NULL);
}

#ifdef _MSC_VER
// MSVC's delayimp.lib reads this pointer; defining it installs the hook (decltype keeps
// the const-ness that the SDK's delayimp.h gives it).
decltype(__pfnDliNotifyHook2) __pfnDliNotifyHook2 = clipo_load_exe_hook;
#else
// MinGW-w64's __delayLoadHelper2 (libmingwex) defines the pointer itself: set it when the
// DLL is loaded, before Node calls napi_register_module_v1 (the first N-API call).
extern "C" PfnDliHook __pfnDliNotifyHook2;
__attribute__((used)) static int clipo_install_hook = (__pfnDliNotifyHook2 = clipo_load_exe_hook, 0);
#endif
#endif
