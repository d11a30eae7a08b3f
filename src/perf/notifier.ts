// "Something changed, look again": loops re-check their condition after every
// wake-up, so a spurious notify is harmless and a missed one is impossible as
// long as the check and the wait() happen in the same synchronous step.
export class Notifier {
  #waiters = new Set<() => void>();

  /** Resolves at the next notify(), or after timeoutMs (an unref'ed timer) when given. */
  wait(timeoutMs?: number): Promise<void> {
    return new Promise((resolve) => {
      if (timeoutMs === undefined) {
        this.#waiters.add(resolve);
        return;
      }
      const wake = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, timeoutMs);
      timer.unref();
      this.#waiters.add(wake);
    });
  }

  notify(): void {
    if (this.#waiters.size === 0) return;
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake();
  }
}
