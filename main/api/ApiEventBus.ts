/**
 * Typed fan-out of ApiEvents from services (run supervisor, trainer relay) to
 * transports (every BrowserWindow, every web-mode WebSocket). A listener that
 * throws is isolated so one broken client cannot silence the others.
 */
import type { ApiEventName, ApiEvents } from './contract/index.js';

type AnyListener = (event: ApiEventName, payload: ApiEvents[ApiEventName]) => void;

export class ApiEventBus {
  private readonly listeners = new Set<AnyListener>();

  emit<E extends ApiEventName>(event: E, payload: ApiEvents[E]): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event, payload);
      } catch (err) {
        console.error(`ApiEventBus: a listener for ${event} threw:`, err);
      }
    }
  }

  /** Subscribes to every event (transports forward them all); returns the unsubscribe function. */
  onAny(listener: AnyListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  on<E extends ApiEventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void {
    return this.onAny((name, payload) => {
      if (name === event) listener(payload as ApiEvents[E]);
    });
  }
}
