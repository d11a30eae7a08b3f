import { describe, it, expect, vi, afterEach } from 'vitest';
import { MemoryMonitor, cpuUtilisation } from '../../src/perf/memory-monitor.js';
import type { MemorySample } from '../../src/perf/memory-monitor.js';

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('MemoryMonitor', () => {
  it('samples on start, every intervalMs and on stop, keeping the peaks', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const readings: MemorySample[] = [
      { rss: 100, heapUsed: 10 },
      { rss: 300, heapUsed: 5 },
      { rss: 200, heapUsed: 40 },
      { rss: 150, heapUsed: 20 },
    ];
    let next = 0;
    const monitor = new MemoryMonitor({
      intervalMs: 50,
      memoryUsage: () => readings[Math.min(next++, readings.length - 1)] ?? { rss: 0, heapUsed: 0 },
    });
    monitor.start();
    expect(monitor.isRunning).toBe(true);
    expect(monitor.peak()).toEqual({ peakRss: 100, peakHeapUsed: 10 });
    vi.advanceTimersByTime(100);
    expect(monitor.peak()).toEqual({ peakRss: 300, peakHeapUsed: 40 });
    expect(monitor.stop()).toEqual({ peakRss: 300, peakHeapUsed: 40, samples: 4 });
    expect(monitor.isRunning).toBe(false);
    vi.advanceTimersByTime(1000);
    expect(next).toBe(4); // no sampling after stop
  });

  it('start is idempotent while running and resets the peaks on a new run', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    let rss = 500;
    const monitor = new MemoryMonitor({ memoryUsage: () => ({ rss, heapUsed: 1 }) });
    monitor.start().start();
    expect(vi.getTimerCount()).toBe(1);
    monitor.stop();
    rss = 50;
    monitor.start();
    expect(monitor.stop()).toEqual({ peakRss: 50, peakHeapUsed: 1, samples: 2 });
  });

  it('uses an unref-ed timer', () => {
    const unref = vi.fn();
    vi.spyOn(globalThis, 'setInterval').mockReturnValue({ unref } as unknown as NodeJS.Timeout);
    vi.spyOn(globalThis, 'clearInterval').mockImplementation(() => undefined);
    const monitor = new MemoryMonitor().start();
    expect(unref).toHaveBeenCalledOnce();
    monitor.stop();
  });

  it('reads real process memory by default', () => {
    const report = new MemoryMonitor().start().stop();
    expect(report.peakRss).toBeGreaterThan(0);
    expect(report.peakHeapUsed).toBeGreaterThan(0);
    expect(report.samples).toBe(2);
  });
});

describe('cpuUtilisation', () => {
  it('is CPU time over wall time times cores', () => {
    const start = { user: 1_000_000, system: 0 };
    const spy = vi.spyOn(process, 'cpuUsage').mockReturnValue({ user: 1_500_000, system: 500_000 });
    // 2 s of CPU over 1 s of wall time on 4 cores is half the machine.
    expect(cpuUtilisation(start, 1000, 4)).toBe(0.5);
    expect(spy).toHaveBeenCalledWith(start);
  });

  it('defaults to all available cores, returns 0 for no elapsed time and rejects negative time', () => {
    vi.spyOn(process, 'cpuUsage').mockReturnValue({ user: 1_000_000, system: 0 });
    const value = cpuUtilisation({ user: 0, system: 0 }, 1000);
    expect(value).toBeGreaterThan(0);
    expect(value).toBeLessThanOrEqual(1);
    expect(cpuUtilisation({ user: 0, system: 0 }, 0)).toBe(0);
    expect(() => cpuUtilisation({ user: 0, system: 0 }, -1)).toThrow(TypeError);
  });
});
