import { describe, expect, it } from 'vitest';
import { MemoryGate } from '../../src/engine/map/limits.js';

describe('MemoryGate (maxMemory for streaming map stages)', () => {
  it('lets a batch in when nothing else runs, even above the limit', async () => {
    const gate = new MemoryGate(0.001);
    await expect(gate.enter(new AbortController().signal)).resolves.toBeUndefined();
    gate.leave();
  });

  it('holds a second batch while the heap is above the limit and releases it when the first ends', async () => {
    const gate = new MemoryGate(0.001); // 1 KB: the heap is always above it
    const signal = new AbortController().signal;
    await gate.enter(signal);
    let isAdmitted = false;
    const second = gate.enter(signal).then(() => (isAdmitted = true));
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(isAdmitted).toBe(false);
    gate.leave();
    await second;
    expect(isAdmitted).toBe(true);
  });

  it('never holds a batch while the heap is under the limit', async () => {
    const gate = new MemoryGate(1_000_000);
    const signal = new AbortController().signal;
    let admitted = 0;
    const enter = (): Promise<void> => gate.enter(signal).then(() => void admitted++);
    // Both get in at once: neither waits for the other to leave.
    await Promise.all([enter(), enter()]);
    expect(admitted).toBe(2);
    gate.leave();
    gate.leave();
  });

  it('stops waiting when the stage is cancelled', async () => {
    const gate = new MemoryGate(0.001);
    const controller = new AbortController();
    await gate.enter(controller.signal);
    const waiting = gate.enter(controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
  });
});
