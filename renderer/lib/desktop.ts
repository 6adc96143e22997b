/**
 * Whether this page runs in the desktop app (the Electron preload's
 * `window.clipo` bridge, the IPC transport): then files and folders come from
 * the system dialogs (datasets.pickFile, models.pickFile, runs.pickFolder);
 * in the browser (web mode) files are uploaded and exports downloaded.
 */
export function hasNativeDialogs(): boolean {
  return typeof window !== 'undefined' && 'clipo' in window;
}
