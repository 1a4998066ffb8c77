// The CLI's pure rendering: tables, the search result table, job progress on a TTY and without one
// (a fake clock), and the final job summary — golden strings.
import { describe, expect, it } from 'vitest';
import { formatBytes, formatTable } from '../../cli/format-table.js';
import { formatJobSummary } from '../../cli/job-summary.js';
import { formatDuration, ProgressRenderer } from '../../cli/progress-renderer.js';
import { formatFileMetaTable } from '../../cli/search.js';
import { JobProgressTracker, type DatasetJob, type FileMeta } from '../../lib/sdk/index.js';

const job = (o: Partial<DatasetJob>): DatasetJob => ({
  DatasetJobId: 'job-1',
  DatasetId: 'd-1',
  DatasetVersion: 'v1',
  JobAction: 'FileMetaBuild',
  JobMode: 'Full',
  JobSpec: '{}',
  Description: '',
  Status: 'Running',
  TotalFileCount: 0,
  CompletedFileCount: 0,
  FailedFileCount: 0,
  SkippedFileCount: 0,
  ListedFileCount: 0,
  DeletedFileCount: 0,
  Message: null,
  WorkspaceId: '',
  CreateTime: '2025-03-01T12:00:00.000Z',
  StartTime: '2025-03-01T12:00:00.000Z',
  FinishTime: null,
  ...o,
});

const meta = (o: Partial<FileMeta> & { all?: string[] }): FileMeta => {
  const { all = [], ...rest } = o;
  return {
    DatasetFileMetaId: 'm',
    DatasetId: 'd-1',
    DatasetVersion: 'v1',
    Uri: 'file:///x',
    FileName: 'x.png',
    FileDir: '',
    DataSize: 0,
    FileFingerPrint: 'W/"0-0"',
    FileCreateTime: null,
    FileUpdateTime: '2025-03-01T12:00:00.000Z',
    FileType: 'image',
    FileFormat: 'png',
    ContentType: 'image/png',
    MetaAttributes: {},
    Tags: { ai: all, user: [], 'user-delete-ai-tags': [], all },
    Comment: '',
    TagUpdateTime: null,
    SemanticIndexJobId: null,
    SemanticIndexUpdateTime: null,
    Status: 'ACTIVE',
    FailReason: null,
    ThumbnailUrl: '',
    DownloadUrl: '',
    ...rest,
  };
};

describe('formatTable', () => {
  it('aligns columns, counts wide characters as two cells and cuts long cells', () => {
    const out = formatTable(
      [{ header: 'Name' }, { header: 'Count', align: 'right' }, { header: 'Note', maxWidth: 10 }],
      [
        ['蓝色汽车', '7', 'short'],
        ['road', '1234', 'a rather long note'],
        ['tab\there', '', ''],
      ],
    );
    expect(out).toBe(
      [
        'Name      Count  Note', //
        '蓝色汽车      7  short',
        'road       1234  a rather…',
        'tab here',
        '',
      ].join('\n'),
    );
  });

  it('formats byte sizes and durations', () => {
    expect([0, 1023, 1024, 1536, 10 * 1024 * 1024, 300 * 1024 * 1024 * 1024].map(formatBytes)).toEqual(['0 B', '1023 B', '1.0 KB', '1.5 KB', '10.0 MB', '300 GB']);
    expect([0, 0.2, 59, 75, 3725].map(formatDuration)).toEqual(['0:00', '0:01', '0:59', '1:15', '1:02:05']);
  });

  it('renders search results: Score only when there is one, tags, size and bytes', () => {
    const rows = [
      meta({ FileName: 'img_001.png', FileDir: 'cars/', all: ['car', 'red'], DataSize: 1536, MetaAttributes: { ImageWidth: 640, ImageHeight: 480 }, Score: 0.83412 }),
      meta({ FileName: 'night.jpg', FileDir: '城市/', all: ['night', 'lane line', 'barrier gate', 'rainy', 'wet road surface'], DataSize: 2_400_000, Score: 0.5 }),
    ];
    expect(formatFileMetaTable(rows)).toBe(
      [
        ' Score  FileName     FileDir  Tags                                        Size   Bytes',
        '0.8341  img_001.png  cars/    car, red                                 640x480  1.5 KB',
        '0.5000  night.jpg    城市/    night, lane line, barrier gate, rainy,…           2.3 MB',
        '',
      ].join('\n'),
    );
    expect(formatFileMetaTable([meta({ FileName: 'a.png', DataSize: 10 })])).toBe('FileName  FileDir  Tags  Size  Bytes\na.png                           10 B\n');
  });
});

describe('ProgressRenderer', () => {
  /** A job advancing through these (time, job) polls. */
  const polls: Array<[number, Partial<DatasetJob>]> = [
    [0, { Status: 'Pending' }],
    [1_000, { TotalFileCount: 400, CompletedFileCount: 0 }],
    [2_000, { TotalFileCount: 1000, CompletedFileCount: 90, FailedFileCount: 10 }],
    [4_000, { TotalFileCount: 1000, CompletedFileCount: 290, FailedFileCount: 10 }],
    [9_000, { TotalFileCount: 1000, CompletedFileCount: 790, FailedFileCount: 10 }],
    [13_000, { TotalFileCount: 1000, CompletedFileCount: 985, FailedFileCount: 12 }],
    [14_000, { Status: 'PartialFailed', TotalFileCount: 1000, CompletedFileCount: 988, FailedFileCount: 12, FinishTime: '2025-03-01T12:00:14.000Z' }],
  ];
  const run = (isTTY: boolean) => {
    let now = 0;
    let out = '';
    const r = new ProgressRenderer({ isTTY, now: () => now, write: (s) => (out += s), everyMs: 5_000, barWidth: 10 });
    const tracker = new JobProgressTracker(10_000);
    for (const [t, j] of polls) {
      now = t;
      r.update(tracker.update(job(j), t));
    }
    r.finish();
    return out;
  };

  it('on a TTY rewrites one line with a bar, percentage, counts, rate and ETA', () => {
    expect(run(true).split('\r')).toEqual([
      '',
      'Pending       ░░░░░░░░░░  --.-%  0/0  0 failed  - files/s  ETA --:--',
      'Running       ░░░░░░░░░░   0.0%  0/400  0 failed  0.0 files/s  ETA --:--',
      'Running       █░░░░░░░░░  10.0%  100/1000  10 failed  50.0 files/s  ETA 0:18',
      'Running       ███░░░░░░░  30.0%  300/1000  10 failed  75.0 files/s  ETA 0:10',
      'Running       ████████░░  80.0%  800/1000  10 failed  88.9 files/s  ETA 0:03',
      'Running       █████████░  99.7%  997/1000  12 failed  77.4 files/s  ETA 0:01',
      'PartialFailed ██████████ 100.0%  1000/1000  12 failed  70.0 files/s  ETA 0:00\n',
    ]);
  });

  it('without a TTY prints plain lines: the first, each status change, then at most one per interval, and the last', () => {
    expect(run(false)).toBe(
      [
        '[0:00] Pending 0/0 (--.-%), 0 failed, - files/s, ETA --:--',
        '[0:01] Running 0/400 (0.0%), 0 failed, 0.0 files/s, ETA --:--',
        '[0:09] Running 800/1000 (80.0%), 10 failed, 88.9 files/s, ETA 0:03',
        '[0:14] PartialFailed 1000/1000 (100.0%), 12 failed, 70.0 files/s, ETA 0:00',
        '',
      ].join('\n'),
    );
  });

  it('on a TTY pads a shorter line over the longer one before it', () => {
    let out = '';
    const r = new ProgressRenderer({ isTTY: true, now: () => 0, write: (s) => (out += s), barWidth: 4 });
    const tracker = new JobProgressTracker();
    r.update(tracker.update(job({ TotalFileCount: 100000, CompletedFileCount: 99999 }), 0));
    r.update(tracker.update(job({ Status: 'Succeeded', TotalFileCount: 1, CompletedFileCount: 1 }), 1000));
    r.finish();
    expect(out).toBe(
      '\rRunning       ███░ 100.0%  99999/100000  0 failed  - files/s  ETA --:--' +
        '\rSucceeded     ████ 100.0%  1/1  0 failed  - files/s  ETA 0:00          \n',
    );
  });

  it('without a TTY, finish() prints the state the interval held back', () => {
    let out = '';
    const r = new ProgressRenderer({ isTTY: false, now: () => 1_000, write: (s) => (out += s) });
    const tracker = new JobProgressTracker();
    r.update(tracker.update(job({ TotalFileCount: 10, CompletedFileCount: 1 }), 0));
    r.update(tracker.update(job({ TotalFileCount: 10, CompletedFileCount: 5 }), 1_000));
    expect(out.split('\n')).toHaveLength(2);
    r.finish();
    expect(out).toBe('[0:00] Running 1/10 (10.0%), 0 failed, - files/s, ETA --:--\n[0:01] Running 5/10 (50.0%), 0 failed, 4.0 files/s, ETA 0:02\n');
  });
});

describe('formatJobSummary', () => {
  it('states the outcome, the counts, the output and the failed files with their reasons', () => {
    expect(
      formatJobSummary(
        job({
          Status: 'PartialFailed',
          TotalFileCount: 300,
          CompletedFileCount: 298,
          FailedFileCount: 3,
          FinishTime: '2025-03-01T12:01:05.400Z',
          FailedFiles: [
            { DatasetFileMetaId: 'a', Uri: 'file:///data/broken.png', Reason: 'png: truncated IDAT' },
            { DatasetFileMetaId: 'b', Uri: 'file:///data/huge.tiff', Reason: 'more than 268402689 pixels' },
          ],
        }),
      ),
    ).toBe(
      [
        'FileMetaBuild job-1: PartialFailed in 1:05',
        '  300 files: 298 completed, 3 failed',
        'Failed files (2 of 3):',
        '  file:///data/broken.png',
        '    png: truncated IDAT',
        '  file:///data/huge.tiff',
        '    more than 268402689 pixels',
        '',
      ].join('\n'),
    );
    expect(
      formatJobSummary(
        job({
          JobAction: 'FileMetaExport',
          Status: 'Succeeded',
          TotalFileCount: 2,
          CompletedFileCount: 2,
          FinishTime: '2025-03-01T12:00:01.000Z',
          Output: { Uri: 'file:///exports/run1/', Files: ['manifest.jsonl', 'export.json'], FileCount: 2 },
        }),
      ),
    ).toBe('FileMetaExport job-1: Succeeded in 0:01\n  2 files: 2 completed, 0 failed\n  Output: file:///exports/run1/ manifest.jsonl, export.json (2 files)\n');
    expect(formatJobSummary(job({ JobAction: 'FileMetaExport', Status: 'Succeeded', Output: { DatasetId: 'd-logical', VersionName: 'v3', FileCount: 0 } }))).toContain(
      'Output: logical dataset d-logical version v3 (0 files)',
    );
  });
});
