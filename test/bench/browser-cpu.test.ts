import { describe, expect, it } from 'vitest';
import type { WindowCpu } from '../../bench/load/browser';
import { coresOver, cpuBetween } from '../../bench/load/browser-cpu';
import { classCpuNote } from '../../bench/scenarios/browser';

const reading = (...processes: Array<[id: number, type: string, cpuTime: number]>) => ({
  processes: processes.map(([id, type, cpuTime]) => ({ id, type, cpuTime })),
});

describe("a browser's CPU over a window", () => {
  it('counts what each process used in the window, summed by kind', () => {
    const use = cpuBetween(
      reading([1, 'browser', 2.0], [2, 'renderer', 0.5], [3, 'renderer', 0.25], [4, 'GPU', 1.0]),
      reading([1, 'browser', 2.5], [2, 'renderer', 1.5], [3, 'renderer', 0.75], [4, 'GPU', 1.25]),
    );
    expect(use.byType).toEqual({ browser: 0.5, renderer: 1.5, GPU: 0.25 });
    expect(use.total).toBeCloseTo(2.25);
  });

  it('counts a process started in the window from zero, and never a negative use', () => {
    const use = cpuBetween(reading([1, 'browser', 1.0]), reading([1, 'browser', 0.9], [7, 'renderer', 0.4]));
    expect(use.byType).toEqual({ browser: 0, renderer: 0.4 });
    expect(use.total).toBeCloseTo(0.4);
  });

  it('gives the use as cores busy over the wall time', () => {
    const cores = coresOver({ total: 6, byType: { renderer: 4, GPU: 2 } }, 4);
    expect(cores).toEqual({ total: 1.5, byType: { renderer: 1, GPU: 0.5 } });
  });
});

describe("the 1 + N class's CPU note", () => {
  const start = [
    { total: 8, seconds: 4, byType: {} },
    { total: 7, seconds: 3.5, byType: {} },
    { total: 9, seconds: 5, byType: {} },
  ];
  const floor = [{ total: 3.6, seconds: 2, byType: {} }];
  /** Over 2 s each: the cores are half these seconds. */
  const connected: WindowCpu[] = [
    { total: 3.6, seconds: 2, byType: { renderer: 2.0, GPU: 0.8, 'audio.mojom.AudioService': 0.4, 'storage.mojom.StorageService': 0.02 } },
    { total: 3.4, seconds: 2, byType: { renderer: 1.8, GPU: 0.7, 'audio.mojom.AudioService': 0.5 } },
    { total: 3.8, seconds: 2, byType: { renderer: 2.2, GPU: 0.9, 'audio.mojom.AudioService': 0.3 } },
  ];

  it("gives the start's CPU beside the floor's, and the connected class's cores by kind, busiest first", () => {
    expect(classCpuNote(start, floor, connected, 2)).toEqual([
      "the browser's CPU (every process), the class's start: 8.0 s of CPU over 4.0 s (2.00 of 2 cores); the floor's blank pages: 3.6 s of CPU over 2.0 s (1.80 of 2 cores)",
      'once every video plays, the connected class alone keeps 1.80 of 2 cores busy (renderer 1.00, GPU process (compositing) 0.40, audio 0.20): what the last links to connect compete with',
    ]);
  });

  it('says nothing when the browser could not tell its CPU', () => {
    expect(classCpuNote([], floor, connected, 2)).toEqual([]);
  });
});
