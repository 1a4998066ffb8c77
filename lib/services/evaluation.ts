// Retrieval evaluation of a version against labels (the seed's `dataset.jsonl`: image_id, tags, file?):
// every distinct tag is a text query, run through the search of each compared index; the images carrying
// the tag are its relevant results. Reports P@K, R@K, mAP per index and per tag (evaluation-metrics.ts),
// and optionally the score threshold that reaches a target precision.
import { z } from 'zod';
import { conflict, invalid, isDomainError, notFound, withField } from '../domain/errors.js';
import { DEFAULT_LISTED_STATUSES, IMAGE_EXTENSIONS } from '../domain/file-meta.js';
import { fileMetaId } from '../domain/ids.js';
import { MAX_TOP_K } from '../dsl/parser.js';
import type { ServiceDeps } from './deps.js';
import { normalizeKs, summarize, thresholdForPrecision, type QueryMetrics, type QueryRun, type ThresholdResult } from './evaluation-metrics.js';
import type { IndexConfigInput } from './index-configs.js';
import { forEachLimit } from './parallel.js';
import type { SearchService } from './search.js';

/** A labels file larger than this is refused (a labelled evaluation set is small). */
export const MAX_LABELS_BYTES = 50 * 1024 * 1024;
export const DEFAULT_KS = [1, 5, 10, 50, 100];
/** Queries in flight at once (each embeds one text and searches one index). */
const QUERY_CONCURRENCY = 4;
/** Extensions tried for `images/<image_id>` when a line names no `file` (the name as is first). */
const LABEL_IMAGE_EXTENSIONS = IMAGE_EXTENSIONS.flatMap((e) => [e, e.toUpperCase()]);

/** One index to compare. */
export interface EvaluatedIndex extends IndexConfigInput {
  /** Shown in results; default: the index name. */
  name?: string;
}

export interface EvaluationRequest {
  datasetId: string;
  versionName: string;
  /** Default: `dataset.jsonl` in the version's folder. */
  labelsUri?: string;
  /** Default: the dataset's index config. */
  indexes?: EvaluatedIndex[];
  /** Default DEFAULT_KS. */
  ks?: number[];
  targetPrecision?: number;
}

export interface IndexEvaluation {
  name: string;
  indexName: string;
  embedderId: string;
  precisionAtK: Record<number, number>;
  recallAtK: Record<number, number>;
  map: number;
  /** Absent when no target precision was asked for; null when no threshold reaches it. */
  threshold?: ThresholdResult | null;
  perQuery: QueryMetrics[];
}

export interface EvaluationResult {
  datasetId: string;
  versionName: string;
  labelsUri: string;
  /** Labelled images (lines of the labels file). */
  images: number;
  /** Labelled images found among the version's files: the images searched, and the only ones that count. */
  matched: number;
  /** Distinct tags of the matched images: one text query each. */
  queries: number;
  ks: number[];
  indexes: IndexEvaluation[];
}

const LabelLine = z.object({
  image_id: z.string().min(1).max(1024),
  tags: z.array(z.string().min(1).max(256)).max(10_000),
  file: z.string().min(1).max(4096).optional(),
});

interface ResolvedIndex {
  name: string;
  indexName: string;
  embedderId: string;
  /** Absent: the dataset's index config. */
  config?: IndexConfigInput;
}

interface Label {
  line: number;
  imageId: string;
  tags: string[];
  file?: string;
}

export class EvaluationService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly search: SearchService,
  ) {}

  async evaluate(req: EvaluationRequest): Promise<EvaluationResult> {
    const { datasetId, versionName } = req;
    if (!(await this.deps.store.getDataset(datasetId))) throw notFound('Dataset', datasetId);
    const version = await this.deps.store.getVersion(datasetId, versionName);
    if (!version) throw notFound('DatasetVersion', `${datasetId}/${versionName}`);
    const ks = normalizedKs(req.ks ?? DEFAULT_KS);
    const topK = ks[ks.length - 1]!;
    if (req.targetPrecision !== undefined && !(req.targetPrecision > 0 && req.targetPrecision <= 1)) {
      throw invalid('TargetPrecision must be in (0, 1]', 'TargetPrecision');
    }
    const indexes = await this.indexesOf(datasetId, req.indexes);

    const labelsUri = req.labelsUri ?? `${version.uri}dataset.jsonl`;
    const labels = parseLabels(await this.readLabels(labelsUri));
    const metaIdOf = await this.matchLabels(datasetId, versionName, labelsUri, labels);
    if (metaIdOf.size === 0) {
      // Says where images are looked for without quoting the labels file's text (it may be anyone's file).
      const folder = folderOf(labelsUri);
      throw invalid(
        `none of the ${labels.length} labelled images is a file of ${datasetId}/${versionName} (each is looked for as its "file", relative to ${folder}, else as ${folder}images/<image_id>, with or without an image extension)`,
        'LabelsUri',
      );
    }
    const relevantOf = new Map<string, Set<string>>();
    for (const label of labels) {
      const id = metaIdOf.get(label.imageId);
      if (!id) continue;
      for (const tag of label.tags) {
        let set = relevantOf.get(tag);
        if (!set) relevantOf.set(tag, (set = new Set()));
        set.add(id);
      }
    }
    const tags = [...relevantOf.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (tags.length === 0) throw invalid('the matched labelled images carry no tags: there is nothing to query', 'LabelsUri');
    const labelled = [...metaIdOf.values()];

    const results: IndexEvaluation[] = [];
    for (const index of indexes) {
      const runs: QueryRun[] = new Array(tags.length);
      await forEachLimit(
        tags.map((tag, i) => ({ tag, i })),
        QUERY_CONCURRENCY,
        async ({ tag, i }) => {
          const found = await this.search.search({
            datasetId,
            versionName,
            queryType: 'VECTOR',
            queryText: tag,
            topK,
            ids: labelled, // only labelled images can be judged relevant or not
            maxResults: topK,
            index: index.config,
          });
          runs[i] = { query: tag, ranked: found.items.map((m) => ({ id: m.datasetFileMetaId, score: m.score ?? 0 })), relevant: relevantOf.get(tag)! };
        },
      );
      const summary = summarize(runs, ks);
      results.push({
        name: index.name,
        indexName: index.indexName,
        embedderId: index.embedderId,
        precisionAtK: summary.precisionAtK,
        recallAtK: summary.recallAtK,
        map: summary.map,
        ...(req.targetPrecision !== undefined ? { threshold: thresholdForPrecision(runs, req.targetPrecision) } : {}),
        perQuery: summary.perQuery,
      });
    }
    return {
      datasetId,
      versionName,
      labelsUri,
      images: labels.length,
      matched: metaIdOf.size,
      queries: tags.length,
      ks,
      indexes: results,
    };
  }

  /** The indexes to compare, each checked up front: its connections exist and its embedder has a text side. */
  private async indexesOf(
    datasetId: string,
    given: EvaluatedIndex[] | undefined,
  ): Promise<ResolvedIndex[]> {
    if (given?.length === 0) throw invalid('Indexes: give at least one index, or leave it out to use the dataset index config', 'Indexes');
    const names = new Set<string>();
    const out: ResolvedIndex[] = [];
    for (const [i, x] of (given ?? [undefined]).entries()) {
      const config = x && { embeddingConnectionId: x.embeddingConnectionId, vectorConnectionId: x.vectorConnectionId, indexName: x.indexName, ...(x.modelName ? { modelName: x.modelName } : {}) };
      let embedder;
      try {
        embedder = await this.search.embedderOf(datasetId, config);
      } catch (e) {
        if (x && isDomainError(e) && (e.kind === 'NotFound' || e.kind === 'Invalid')) throw invalid(`Indexes[${i}] (${x.indexName}): ${e.message}`, `Indexes.${i}`);
        if (!x && isDomainError(e) && e.kind === 'Conflict') throw conflict(`${e.message}; or give Indexes explicitly`);
        throw e;
      }
      if (!embedder.supportsText) {
        throw invalid(`index ${embedder.indexName} was built by ${embedder.embedderId}, which has no text side: evaluation needs a text-capable embedder`, x ? `Indexes.${i}` : 'Indexes');
      }
      const name = x?.name ?? embedder.indexName;
      if (names.has(name)) throw invalid(`Indexes: the name '${name}' is used twice; give each index its own Name`, `Indexes.${i}`);
      names.add(name);
      out.push({ name, indexName: embedder.indexName, embedderId: embedder.embedderId, ...(config ? { config } : {}) });
    }
    return out;
  }

  private async readLabels(uri: string): Promise<string> {
    let got;
    try {
      got = await this.deps.objects.forUri(uri).get(uri, { maxBytes: MAX_LABELS_BYTES });
    } catch (e) {
      if (isDomainError(e) && e.kind === 'NotFound') throw invalid(`LabelsUri: no labels file at '${uri}'`, 'LabelsUri');
      if (isDomainError(e) && (e.kind === 'Invalid' || e.kind === 'Forbidden')) throw withField(e, 'LabelsUri');
      throw e;
    }
    if (!got.data) throw invalid(`LabelsUri: the labels file is ${got.info.size} bytes, more than the ${MAX_LABELS_BYTES / 1024 / 1024} MB limit`, 'LabelsUri');
    return got.data.toString('utf8');
  }

  /**
   * image_id → DatasetFileMetaId for the labelled images that are images of the version (the statuses a
   * listing shows by default: not DELETED, nor SKIPPED as not an image). A line's image is `file`,
   * resolved against the labels file's folder (or a full URI as is), else `images/<image_id>` as named or
   * with an image extension. Ids are stable hashes of the URI, so each candidate is looked up directly
   * instead of listing the version.
   */
  private async matchLabels(datasetId: string, versionName: string, labelsUri: string, labels: Label[]): Promise<Map<string, string>> {
    const folder = folderOf(labelsUri);
    const candidates = labels.map((l) => candidateUris(folder, l).map((uri) => fileMetaId(datasetId, versionName, uri)));
    const live = new Set(
      (await this.deps.store.getFileMetas([...new Set(candidates.flat())]))
        .filter((m) => m.datasetId === datasetId && m.versionName === versionName && DEFAULT_LISTED_STATUSES.includes(m.status))
        .map((m) => m.datasetFileMetaId),
    );
    const out = new Map<string, string>();
    const lineOf = new Map<string, number>();
    labels.forEach((label, i) => {
      const id = candidates[i]!.find((c) => live.has(c));
      if (!id) return;
      const other = lineOf.get(id);
      if (other !== undefined) throw invalid(`LabelsUri: lines ${other} and ${label.line} name the same image file`, 'LabelsUri');
      lineOf.set(id, label.line);
      out.set(label.imageId, id);
    });
    return out;
  }
}

function normalizedKs(ks: number[]): number[] {
  try {
    const out = normalizeKs(ks);
    if (out[out.length - 1]! > MAX_TOP_K) throw new RangeError(`K must be at most ${MAX_TOP_K} (the largest TopK)`);
    return out;
  } catch (e) {
    throw invalid(`Ks: ${(e as Error).message}`, 'Ks');
  }
}

/** The labels file's lines (blank lines skipped); a bad line is a 400 naming its number. */
function parseLabels(text: string): Label[] {
  const labels: Label[] = [];
  const lineOfId = new Map<string, number>();
  text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((raw, i) => {
      const line = i + 1;
      if (raw.trim() === '') return;
      let json: unknown;
      // Errors name the line, never quote it: the file may be anyone's (JSON.parse's message quotes the text).
      try {
        json = JSON.parse(raw);
      } catch {
        throw invalid(`LabelsUri: line ${line} is not JSON`, 'LabelsUri');
      }
      const parsed = LabelLine.safeParse(json);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        const at = issue.path.length ? `${issue.path.join('.')}: ` : '';
        throw invalid(`LabelsUri: line ${line}: ${at}${issue.message} (a line is {"image_id": "…", "tags": ["…"], "file"?: "images/…"})`, 'LabelsUri');
      }
      const { image_id: imageId, tags, file } = parsed.data;
      const seen = lineOfId.get(imageId);
      if (seen !== undefined) throw invalid(`LabelsUri: line ${line}: its image_id is already on line ${seen}`, 'LabelsUri');
      lineOfId.set(imageId, line);
      labels.push({ line, imageId, tags: [...new Set(tags)], ...(file !== undefined ? { file } : {}) });
    });
  if (labels.length === 0) throw invalid('LabelsUri: the labels file has no lines', 'LabelsUri');
  return labels;
}

const folderOf = (uri: string) => uri.slice(0, uri.lastIndexOf('/') + 1);

/** The URIs a label's image may have, most likely first. */
function candidateUris(folder: string, label: Label): string[] {
  const rels = label.file !== undefined ? [label.file] : [`images/${label.imageId}`, ...LABEL_IMAGE_EXTENSIONS.map((e) => `images/${label.imageId}.${e}`)];
  return [...new Set(rels.flatMap((rel) => objectUris(folder, rel)))];
}

/**
 * A path relative to a folder URI (or a full URI) as object URIs. Stores spell keys as URL paths, in
 * one of two ways: the WHATWG URL encoding, or Node's pathToFileURL, which also encodes `[ ] ^ | ~`.
 */
function objectUris(folder: string, rel: string): string[] {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(rel)) return [rel];
  // Characters a URL parser would read as syntax (or drop) rather than as part of a name.
  const escaped = rel.replace(/[%#?\\\t\n\r]/g, pct);
  let whatwg: string;
  try {
    whatwg = new URL(rel.startsWith('/') ? escaped : `./${escaped}`, folder).href;
  } catch {
    return [];
  }
  return [whatwg, whatwg.replace(/[[\]^|~]/g, pct)];
}

const pct = (c: string) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
