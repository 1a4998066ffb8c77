// The console's job estimate (web/src/pages/estimate.ts): which files a job touches, Qwen-VL's image
// tokens after the job's downscale, and the time at a concurrency from a measured rate.
import { describe, expect, it } from 'vitest';
import { filesToTouch, imageTokens, meanImageTokens, secondsFor } from '../../web/src/pages/estimate.js';

const cov = { Total: 100, UpToDate: 60, Stale: 10, Failed: 5, Never: 25, Unusable: 3 };

describe('job estimate', () => {
  it('touches every usable file in Full, only stale, failed and never-done ones in Increment', () => {
    expect(filesToTouch(cov, 'Full')).toBe(100);
    expect(filesToTouch(cov, 'Increment')).toBe(40);
  });

  it('counts a token per 28×28 patch of the downscaled image', () => {
    expect(imageTokens(640, 480, 1024)).toBe(23 * 17); // not enlarged: 640/28 ≈ 22.9 → 23, 480/28 ≈ 17.1 → 17
    expect(imageTokens(1024, 1024, 1024)).toBe(37 * 37); // 1024/28 ≈ 36.6 → 37
    expect(imageTokens(4000, 3000, 1024)).toBe(37 * 27); // 1024 × 768
    expect(imageTokens(10, 10, 1024)).toBe(4); // at least 4
  });

  it('averages over the known sizes, or bounds by a square at the long side', () => {
    expect(meanImageTokens([{ w: 640, h: 480 }, { w: 0, h: 0 }, { w: 1024, h: 1024 }], 1024)).toEqual({ tokens: (391 + 1369) / 2, bound: false });
    expect(meanImageTokens([], 512)).toEqual({ tokens: 18 * 18, bound: true });
  });

  it('scales the measured rate with concurrency, and has no time without a rate', () => {
    expect(secondsFor(100, 10, { jobId: 'j', filesPerSecond: 2, concurrency: 5 })).toBe(25);
    expect(secondsFor(100, 10, undefined)).toBeUndefined();
  });
});
