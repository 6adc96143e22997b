/**
 * Pause / resume / stop requests from the supervisor, observed by the loop at
 * safe points. "abandon" aborts sampling in flight (the step is dropped);
 * once the policy update has begun the step is always finished, so the
 * engine's state never holds half an update when a checkpoint is written.
 */
export type StopMode = 'finish-step' | 'abandon';

export class TrainerControl {
  private paused = false;
  private stopMode: StopMode | null = null;
  private why: string | null = null;
  private wake: (() => void) | null = null;
  private abort = new AbortController();

  get stopRequested(): StopMode | null { return this.stopMode; }
  /** Why the run was stopped when nobody asked (the parent process exited, the lease was lost); null for a user stop. */
  get stopReason(): string | null { return this.why; }
  get isPaused(): boolean { return this.paused; }
  /** Aborts node-llama-cpp generation when an abandon-stop arrives. */
  get rolloutSignal(): AbortSignal { return this.abort.signal; }

  pause(): void { this.paused = true; }
  resume(): void { this.paused = false; this.wake?.(); }
  stop(mode: StopMode, reason?: string): void {
    if (reason && !this.why) this.why = reason;
    // A second, harsher request upgrades finish-step to abandon; never the reverse.
    if (this.stopMode !== 'abandon') this.stopMode = mode;
    if (mode === 'abandon') this.abort.abort();
    this.wake?.();
  }

  /** Resolves when not paused (or a stop arrives). `onPause` runs once if it had to wait. */
  async waitWhilePaused(onPause: () => void, onResume: () => void): Promise<void> {
    if (!this.paused || this.stopMode) return;
    onPause();
    while (this.paused && !this.stopMode) await new Promise<void>((r) => { this.wake = r; });
    this.wake = null;
    if (!this.stopMode) onResume();
  }
}
