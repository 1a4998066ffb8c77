// FileName and FileDir as people write them, from percent-encoded URIs; Tags.all's rule.
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { allTags, splitUnderRoot } from '../../lib/domain/file-meta.js';

describe('splitUnderRoot', () => {
  const root = pathToFileURL('/data/photos').href + '/';
  const under = (rel: string) => pathToFileURL(`/data/photos/${rel}`).href;

  it('decodes percent-escapes so names and folders read (and search) as typed', () => {
    expect(splitUnderRoot(root, under('a b/c d.jpg'))).toEqual({ fileName: 'c d.jpg', fileDir: 'a b/' });
    expect(splitUnderRoot(root, under('城市/夜晚 1.jpg'))).toEqual({ fileName: '夜晚 1.jpg', fileDir: '城市/' });
    expect(splitUnderRoot(root, under('x.jpg'))).toEqual({ fileName: 'x.jpg', fileDir: '' });
    expect(splitUnderRoot(root, under('100%/#1.jpg'))).toEqual({ fileName: '#1.jpg', fileDir: '100%/' });
  });

  it('keeps a key that is not valid percent-encoding as it is', () => {
    expect(splitUnderRoot('oss://bucket/p/', 'oss://bucket/p/50%off/a%zz.jpg')).toEqual({ fileName: 'a%zz.jpg', fileDir: '50%off/' });
  });
});

describe('allTags', () => {
  it('is ai ∪ user − user-delete-ai-tags, ai first, no duplicates', () => {
    expect(allTags({ ai: ['car', 'road', 'rain'], user: ['night', 'car'], userDeleteAiTags: ['rain'] })).toEqual(['car', 'road', 'night']);
  });
});
