// Tokens for `:` matching: letters/digits runs, CJK characters alone, NFKC + lower case.
import { describe, expect, it } from 'vitest';
import { tokenize, tokensContain } from '../../lib/dsl/tokenize.js';

describe('tokenize', () => {
  it.each<[string, string[]]>([
    ['蓝色汽车', ['蓝', '色', '汽', '车']],
    ['blue_car', ['blue', 'car']],
    ['Blue-Car.JPG', ['blue', 'car', 'jpg']],
    ['data/blue_car/IMG_0001.jpeg', ['data', 'blue', 'car', 'img', '0001', 'jpeg']],
    ['IMG2024蓝色car', ['img2024', '蓝', '色', 'car']],
    ['ラーメン屋', ['ラ', 'ー', 'メ', 'ン', '屋']],
    ['ひらがな', ['ひ', 'ら', 'が', 'な']],
    ['ｶﾒﾗ', ['カ', 'メ', 'ラ']], // half-width katakana, NFKC to full width
    ['한국어 text', ['한', '국', '어', 'text']],
    ['ｆｕｌｌ\u3000ｗｉｄｔｈ１２', ['full', 'width12']],
    ['naïve', ['naïve']],
    ['nai\u0308ve', ['naïve']], // decomposed: NFKC composes it
    ['xa\u0331y', ['xa\u0331y']], // a combining mark with no composed form stays in its token
    ['ÉCOLE', ['école']],
    ['Straße', ['straße']],
    ['ΑΒΓ Ωmega', ['αβγ', 'ωmega']],
    ['x1.5y', ['x1', '5y']],
    ['cat🐱dog', ['cat', 'dog']],
    ['e-mail@example.com', ['e', 'mail', 'example', 'com']],
    ['say "hi", o\'brien \\ ok', ['say', 'hi', 'o', 'brien', 'ok']],
    ['Ⅻ ① ﬁle', ['xii', '1', 'file']],
    ['𠀀𠀁', ['𠀀', '𠀁']], // Han beyond the BMP
    ['', []],
    ['  -_- / .', []],
  ])('%j', (input, tokens) => {
    expect(tokenize(input)).toEqual(tokens);
  });
});

describe('tokensContain', () => {
  it.each<[string, string, boolean]>([
    ['Blue_Car/photos', 'car BLUE', true],
    ['Blue_Car/photos', 'blue_car', true],
    ['Blue_Car/photos', 'blu', false],
    ['bluecar', 'blue car', false],
    ['蓝色汽车', '汽车', true],
    ['蓝色汽车', '车汽', true], // each CJK character is a token, so order does not matter
    ['汽车', '蓝色汽车', false],
    ['ｆｕｌｌ width', 'FULL', true],
    ['a a a', 'a', true],
    ['', 'a', false],
  ])('%j contains %j: %s', (haystack, needle, want) => {
    expect(tokensContain(haystack, needle)).toBe(want);
  });
});
