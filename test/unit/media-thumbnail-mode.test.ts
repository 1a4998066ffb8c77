// parseThumbnailMode: OSS-style resize strings, and errors that say what is wrong.
import { describe, expect, it } from 'vitest';
import { boxSize, fitSize, parseThumbnailMode } from '../../lib/media/thumbnail-mode.js';

describe('parseThumbnailMode', () => {
  it.each([
    ['w_200', { method: 'lfit', width: 200, enlarge: false }],
    ['h_120', { method: 'lfit', height: 120 }],
    ['m_fill,w_200,h_200', { method: 'fill', width: 200, height: 200 }],
    ['m_lfit,w_300,h_300', { method: 'lfit', width: 300, height: 300 }],
    ['m_mfit,w_300,h_100', { method: 'mfit', width: 300, height: 100 }],
    ['m_pad,w_100,h_50,color_ff0000', { method: 'pad', width: 100, height: 50, color: 'FF0000' }],
    ['m_fixed,w_64,h_32,limit_0', { method: 'fixed', width: 64, height: 32, enlarge: true }],
    ['l_512', { method: 'lfit', long: 512 }],
    ['m_mfit,s_100', { method: 'mfit', short: 100 }],
    ['image/resize,m_lfit,w_10', { method: 'lfit', width: 10 }],
    ['  w_1  ', { width: 1 }],
    ['p_50', { method: 'lfit', percent: 50 }],
    ['p_1', { percent: 1 }],
    ['image/resize,p_100', { percent: 100 }],
    ['m_lfit,p_30', { method: 'lfit', percent: 30 }],
    ['m_lfit,w_256,h_256,f_webp', { method: 'lfit', width: 256, format: 'webp' }],
    ['f_jpg,l_1440', { long: 1440, format: 'jpg' }],
    ['p_50,f_png', { percent: 50, format: 'png' }],
  ])('accepts %s', (s, expected) => {
    expect(parseThumbnailMode(s)).toMatchObject(expected);
  });

  it.each([
    ['', /empty/],
    ['w200', /not a key_value/],
    ['w_', /not a key_value/],
    ['w_abc', /whole number/],
    ['w_-5', /whole number/],
    ['w_1.5', /whole number/],
    ['w_0', /between 1 and 4096/],
    ['w_5000', /between 1 and 4096/],
    ['m_zoom,w_10', /unknown resize method m_zoom/],
    ['m_fill', /no size given: set p_, w_, h_, l_ or s_/],
    ['p_0', /p_0: must be between 1 and 100/],
    ['p_101', /between 1 and 100/],
    ['p_5.5', /whole percentage/],
    ['p_50,w_10', /p_ scales by a percentage and takes no w_/],
    ['m_fill,p_50', /takes no m_/],
    ['w_10,w_20', /'w' is given twice/],
    ['q_90,w_10', /unknown parameter 'q'/],
    ['limit_2,w_10', /limit_0 or limit_1/],
    ['m_pad,w_10,color_red', /six hex digits/],
    ['m_lfit,w_10,color_ffffff', /color_ applies to m_pad/],
    ['m_fill,l_100', /l_ and s_ apply to m_lfit and m_mfit/],
    ['w_10,,h_10', /not a key_value/],
    [`w_1${',h_1'.repeat(40)}`, /longer than 128/],
    ['w_10,f_gif', /unknown format f_gif; use one of f_webp, f_jpg, f_png/],
    ['w_10,f_webp,f_png', /'f' is given twice/],
    ['f_webp', /no size given/],
  ])('rejects %j naming the problem', (s, message) => {
    expect(() => parseThumbnailMode(s)).toThrow(message);
  });
});

describe('thumbnail sizes', () => {
  it('lfit fits inside the box and never enlarges by default', () => {
    expect(fitSize(parseThumbnailMode('m_lfit,w_100,h_100'), 400, 200)).toEqual({ width: 100, height: 50 });
    expect(fitSize(parseThumbnailMode('w_100'), 50, 20)).toEqual({ width: 50, height: 20 });
    expect(fitSize(parseThumbnailMode('w_100,limit_0'), 50, 20)).toEqual({ width: 100, height: 40 });
  });

  it('p_ scales both sides by the percentage, the longer side still at most 4096', () => {
    expect(fitSize(parseThumbnailMode('p_50'), 400, 200)).toEqual({ width: 200, height: 100 });
    expect(fitSize(parseThumbnailMode('p_1'), 50, 20)).toEqual({ width: 1, height: 1 });
    expect(fitSize(parseThumbnailMode('p_100'), 10_000, 5_000)).toEqual({ width: 4096, height: 2048 });
  });

  it('mfit covers the box; l_ and s_ bound the long and short sides', () => {
    expect(fitSize(parseThumbnailMode('m_mfit,w_100,h_100'), 400, 200)).toEqual({ width: 200, height: 100 });
    expect(fitSize(parseThumbnailMode('l_100'), 400, 200)).toEqual({ width: 100, height: 50 });
    expect(fitSize(parseThumbnailMode('m_lfit,s_100'), 400, 200)).toEqual({ width: 200, height: 100 });
  });

  it('fill/pad/fixed with one side make a square', () => {
    expect(boxSize(parseThumbnailMode('m_fill,w_80'))).toEqual({ width: 80, height: 80 });
    expect(boxSize(parseThumbnailMode('m_pad,h_30'))).toEqual({ width: 30, height: 30 });
  });
});
