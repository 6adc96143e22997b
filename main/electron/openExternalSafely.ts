/**
 * Links the renderer asks to open leave the app only as https URLs handed to
 * the OS browser; everything else (file:, javascript:, custom schemes that
 * launch other programs, credentials in the URL) is dropped.
 */
import { shell } from 'electron';

export function isSafeExternalUrl(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  return url.protocol === 'https:' && url.username === '' && url.password === '' && url.hostname.length > 0;
}

export function openExternalSafely(raw: string): void {
  if (isSafeExternalUrl(raw)) void shell.openExternal(raw);
  else console.warn(`[electron] refused to open external URL: ${raw.slice(0, 200)}`);
}
