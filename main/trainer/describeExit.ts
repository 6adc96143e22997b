/**
 * Turns a trainer process's exit into the reason shown next to a crashed run.
 * A SIGKILL nobody asked for is almost always the kernel's out-of-memory killer.
 */
export function describeExit(code: number | null, signal: string | null, lastStep: number): string {
  // lastStep is the store's 0-based step; people count from 1 (the CLI progress line, the dashboard).
  const where = lastStep >= 0 ? ` after step ${lastStep + 1}` : ' before the first step';
  if (signal === 'SIGKILL') {
    return `trainer process was killed (SIGKILL)${where}; if nobody stopped it, the system probably ran out of memory: lower the group size, max tokens or micro-batch tokens, then resume`;
  }
  if (signal) return `trainer process ended by signal ${signal}${where}; resume continues from the last checkpoint`;
  if (code !== null && code !== 0) return `trainer process exited with code ${code}${where}; resume continues from the last checkpoint`;
  return `trainer process exited without finishing${where}; resume continues from the last checkpoint`;
}
