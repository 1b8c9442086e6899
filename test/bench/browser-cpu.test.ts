import { describe, expect, it } from 'vitest';
import { coresOver, type CpuUse, cpuBetween } from '../../bench/load/browser-cpu';
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
  const connected: CpuUse[] = [
    { total: 1.8, byType: { renderer: 1.0, GPU: 0.4, 'audio.mojom.AudioService': 0.2, 'storage.mojom.StorageService': 0.01 } },
    { total: 1.7, byType: { renderer: 0.9, GPU: 0.35, 'audio.mojom.AudioService': 0.25 } },
    { total: 1.9, byType: { renderer: 1.1, GPU: 0.45, 'audio.mojom.AudioService': 0.15 } },
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
