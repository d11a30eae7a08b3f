// Waiting for the daemon's event loop to have polled for I/O: a command
// that connected while the daemon's work was synchronous is seen only then
// (server.ts's rehearsals), and an answer's last frame and the end of its
// connection go out then, before work that can wait for them (prehash.ts).

/**
 * Resolves once the event loop has polled for I/O after this call. One
 * setImmediate is not enough: called from an I/O callback it runs in the
 * same turn of the loop, before the loop asks the system for events again.
 */
export function polled(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}
