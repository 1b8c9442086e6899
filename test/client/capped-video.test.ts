import { describe, expect, it } from 'vitest';
import { cappedVideo, largeClassStudentVideo } from '../../src/client/media/local-media';

describe('cappedVideo', () => {
  it('lowers each of size and rate past the cap, and raises none', () => {
    expect(cappedVideo({ width: 640, height: 480, frameRate: 30 }, largeClassStudentVideo)).toEqual({ width: 320, height: 240, frameRate: 15 });
    expect(cappedVideo({ width: 160, height: 120, frameRate: 30 }, largeClassStudentVideo)).toEqual({ width: 160, height: 120, frameRate: 15 });
    expect(cappedVideo({ width: 1280, height: 720, frameRate: 10 }, largeClassStudentVideo)).toEqual({ width: 320, height: 240, frameRate: 10 });
  });
});
