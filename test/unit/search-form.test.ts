// The console's search form as a view of the query language (web/src/search/form.ts): what each query
// reads into, what the form prints, round trips (tags with quotes, spaces, backslashes, CJK), terms the
// form keeps as text, and the statistics filter.
import { describe, expect, it } from 'vitest';
import { parseQuery } from '../../lib/dsl/parser.js';
import { MAX_QUERY_IMAGE_BYTES as SERVER_MAX } from '../../lib/services/search.js';
import { emptyForm, filterText, hasContent, printForm, readForm, termText, type SearchForm } from '../../web/src/search/form.js';
import { MAX_QUERY_IMAGE_BYTES as CONSOLE_MAX } from '../../web/src/search/limits.js';

const read = (q: string): SearchForm => {
  const r = readForm(q);
  if (!r.ok) throw new Error(`${q}: ${r.message}`);
  return r.form;
};
const form = (patch: Partial<SearchForm>): SearchForm => ({ ...emptyForm(), ...patch });
/** The form's fields without the kept syntax trees (their positions differ between parses). */
const fields = (f: SearchForm) => ({ ...f, extras: f.extras.map(termText) });

const AWKWARD_TAGS = ['dog', 'traffic light', 'say "cheese"', "it's", 'back\\slash', '红绿灯', '猫 と 犬', 'emoji 🐈', '  padded  ', 'AND', 'Tags.all = "x"'];

describe('reading a query into the form', () => {
  it('reads the empty query as the empty form', () => {
    expect(read('')).toEqual(emptyForm());
    expect(read('   ')).toEqual(emptyForm());
  });

  it('reads every field the form has', () => {
    const f = read(
      '(Tags.all = "cat" OR Tags.all = "dog") AND Tags.all = "outdoor" AND Tags.all = "sunny" AND NOT Tags.all = "blurry" AND NOT Tags.all = "dark" ' +
        'AND FileName:"beach" AND FileDir = "val2017/" AND FileUpdateTime >= "2024-01-01T00:00:00Z" AND FileUpdateTime <= "2024-12-31T23:59:00Z" ' +
        'AND Content:"a dog on a beach" AND TopK=20 AND ScoreThreshold=0.25 AND SortBy="FileName" AND Order="ASC"',
    );
    expect(fields(f)).toEqual({
      ...emptyForm(),
      text: 'a dog on a beach',
      topK: 20,
      scoreThreshold: 0.25,
      tagsAny: ['cat', 'dog'],
      tagsAll: ['outdoor', 'sunny'],
      tagsExclude: ['blurry', 'dark'],
      fileName: 'beach',
      folder: 'val2017/',
      folderExact: true,
      from: '2024-01-01T00:00:00Z',
      to: '2024-12-31T23:59:00Z',
      sortBy: 'FileName',
      order: 'ASC',
      extras: [],
    });
  });

  it('reads NOT (a OR b) as two excluded tags, and FileDir: as folder words', () => {
    const f = read('NOT (Tags.all = "a" OR Tags.all = "b") AND FileDir:"train"');
    expect(f.tagsExclude).toEqual(['a', 'b']);
    expect(f.folder).toBe('train');
    expect(f.folderExact).toBe(false);
  });

  it('keeps what the form cannot show as text, in order, and the form fields beside it', () => {
    const f = read('ImageWidth > 600 AND Tags.all = "dog" AND (FileName="a.jpg" OR FileDir:"x") AND Tags.ai="cat" AND HAS SemanticIndexJobId AND FileName:"b" AND FileName:"c"');
    expect(f.tagsAll).toEqual(['dog']);
    expect(f.fileName).toBe('b');
    expect(f.extras.map(termText)).toEqual(['ImageWidth > 600', '(FileName = "a.jpg" OR FileDir:"x")', 'Tags.ai = "cat"', 'HAS SemanticIndexJobId', 'FileName:"c"']);
  });

  it('keeps a top-level OR that is not only tags whole', () => {
    const f = read('Tags.all = "a" OR FileName:"b"');
    expect(f.tagsAny).toEqual([]);
    expect(f.extras.map(termText)).toEqual(['(Tags.all = "a" OR FileName:"b")']);
  });

  it('keeps a second any-group, strict time bounds and a Tags.all: word match as text', () => {
    const f = read('(Tags.all = "a" OR Tags.all = "b") AND (Tags.all = "c" OR Tags.all = "d") AND FileUpdateTime > "2024-01-01" AND Tags.all:"red"');
    expect(f.tagsAny).toEqual(['a', 'b']);
    expect(f.from).toBeUndefined();
    expect(f.extras.map(termText)).toEqual(['(Tags.all = "c" OR Tags.all = "d")', 'FileUpdateTime > "2024-01-01"', 'Tags.all:"red"']);
  });

  it('keeps the options it does not edit', () => {
    const f = read('QueryType="VECTOR" AND SignMode="PUBLIC" AND Content:"x"');
    expect(f.queryType).toBe('VECTOR');
    expect(f.signMode).toBe('PUBLIC');
    expect(printForm(f)).toBe('Content:"x" AND QueryType="VECTOR" AND SignMode="PUBLIC"');
  });

  it('gives the offset and message of a syntax error, as the parser does', () => {
    for (const q of ['Tags.all = "a" AND', 'FileName:"x" AND Bogus="y"', 'Tags.all="unclosed', 'TopK=0']) {
      const r = readForm(q);
      expect(r.ok).toBe(false);
      let offset = -1;
      try {
        parseQuery(q);
      } catch (e) {
        offset = (e as { offset: number }).offset;
      }
      expect(r).toMatchObject({ ok: false, offset });
    }
    expect(readForm('FileName:"x" AND Bogus="y"')).toMatchObject({ offset: 17 });
  });
});

describe('printing the form', () => {
  it('prints the empty form as the empty query', () => {
    expect(printForm(emptyForm())).toBe('');
  });

  it('prints every field, conditions first, then the options', () => {
    const q = printForm(
      form({
        text: 'a dog',
        topK: 10,
        scoreThreshold: 0.3,
        tagsAny: ['cat', 'dog'],
        tagsAll: ['outdoor'],
        tagsExclude: ['blurry'],
        fileName: 'beach',
        folder: 'val2017/',
        folderExact: true,
        from: '2024-01-01T00:00:00Z',
        to: '2024-02-01T00:00:00Z',
        sortBy: 'Score',
        order: 'DESC',
      }),
    );
    expect(q).toBe(
      '(Tags.all = "cat" OR Tags.all = "dog") AND Tags.all = "outdoor" AND NOT Tags.all = "blurry" AND FileName:"beach" AND FileDir = "val2017/" ' +
        'AND FileUpdateTime >= "2024-01-01T00:00:00Z" AND FileUpdateTime <= "2024-02-01T00:00:00Z" AND Content:"a dog" AND TopK=10 AND ScoreThreshold=0.3 ' +
        'AND SortBy="Score" AND Order="DESC"',
    );
    expect(() => parseQuery(q)).not.toThrow();
  });

  it('prints a one-tag any group as that tag, and a lone group without parentheses the parser would keep', () => {
    expect(printForm(form({ tagsAny: ['a'] }))).toBe('Tags.all = "a"');
    expect(printForm(form({ tagsAny: ['a', 'b'] }))).toBe('(Tags.all = "a" OR Tags.all = "b")');
  });

  it('leaves out blank text, file name and folder words; an exact folder may be the top folder ""', () => {
    expect(printForm(form({ text: '   ', fileName: ' ', folder: '  ' }))).toBe('');
    expect(printForm(form({ folder: '', folderExact: true }))).toBe('FileDir = ""');
    expect(read('FileDir = ""')).toMatchObject({ folder: '', folderExact: true });
  });

  it('turns pasted line breaks into spaces (the language cannot quote them)', () => {
    expect(printForm(form({ text: 'a red\ncar', tagsAll: ['two\r\nlines'] }))).toBe('Tags.all = "two lines" AND Content:"a red car"');
  });

  it('keeps the terms it read as text when a field changes', () => {
    const f = read('ImageWidth > 600 AND Tags.all = "dog" AND Content:"x"');
    expect(printForm({ ...f, tagsAll: [...f.tagsAll, 'cat'], text: 'y' })).toBe('Tags.all = "dog" AND Tags.all = "cat" AND ImageWidth > 600 AND Content:"y"');
  });
});

describe('round trips', () => {
  it('reads back what it printed, for tags with quotes, spaces, backslashes and CJK in every group', () => {
    for (const tag of AWKWARD_TAGS) {
      const f = form({ tagsAny: [tag, 'other'], tagsAll: [tag], tagsExclude: [tag], text: tag.trim() || 'x', fileName: '猫', folder: `dir "${tag}"/` });
      const printed = printForm(f);
      expect(() => parseQuery(printed), printed).not.toThrow();
      const back = read(printed);
      expect(fields(back), printed).toEqual(fields({ ...f, text: f.text.trim(), folder: f.folder!.trim() }));
      expect(printForm(back)).toBe(printed);
    }
  });

  it('prints the same query it read when the query is already in the form\'s order', () => {
    for (const q of [
      'Tags.all = "a"',
      '(Tags.all = "a" OR Tags.all = "b") AND NOT Tags.all = "c"',
      'Tags.all = "say \\"cheese\\"" AND FileName:"红绿灯"',
      'FileDir:"blue car" AND FileUpdateTime >= "2025-02-28T00:00:00Z"',
      'ImageWidth > 600 AND Content:"a cat" AND TopK=5',
    ]) {
      expect(printForm(read(q))).toBe(q);
    }
  });

  it('keeps a query equivalent through read and print even when it reorders it', () => {
    const q = `ImageWidth >= 10 AND NOT (Tags.all = "x" OR Tags.all='y') AND TopK=3 AND Tags.all = "z"`;
    const printed = printForm(read(q));
    expect(printed).toBe('Tags.all = "z" AND NOT Tags.all = "x" AND NOT Tags.all = "y" AND ImageWidth >= 10 AND TopK=3');
  });
});

describe('the statistics filter', () => {
  it('drops the search options, keeps the conditions, says when the query does not parse', () => {
    expect(filterText('')).toBe('');
    expect(filterText('Content:"a cat" AND TopK=5')).toBe('');
    expect(filterText('Tags.all = "a" AND Content:"a cat" AND SortBy="FileName"')).toBe('Tags.all = "a"');
    expect(filterText('Tags.all = "a" OR Tags.all = "b"')).toBe('Tags.all = "a" OR Tags.all = "b"');
    expect(filterText('Tags.all=')).toBeUndefined();
  });

  it('tells a semantic text query', () => {
    expect(hasContent('Content:"x" AND Tags.all = "a"')).toBe(true);
    expect(hasContent('FileName:"Content: x"')).toBe(false);
    expect(hasContent('Content:')).toBe(false);
  });
});

it("the console's query-image limit is the server's", () => {
  expect(CONSOLE_MAX).toBe(SERVER_MAX);
});
