/**
 * Which web permissions the renderer gets: none. The workbench needs no
 * camera, microphone, notifications, geolocation, clipboard reads, MIDI, HID,
 * serial or USB, so every request, every check and every device permission is
 * denied (Electron security checklist §5: "Handle session permission requests
 * from remote content"; without a check handler Chromium answers permission
 * *checks* from its defaults, e.g. navigator.permissions.query). Pure: the
 * session wiring is in main.ts, these functions are unit-tested.
 */

/** setPermissionRequestHandler: deny every request. */
export function denyPermissionRequest(_contents: unknown, permission: string, callback: (granted: boolean) => void): void {
  void permission;
  callback(false);
}

/** setPermissionCheckHandler: every check answers "not granted". */
export function denyPermissionCheck(): boolean {
  return false;
}

/** setDevicePermissionHandler (WebHID, WebSerial, WebUSB): no device is ever granted. */
export function denyDevicePermission(): boolean {
  return false;
}
