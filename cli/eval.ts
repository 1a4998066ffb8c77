// `loupe eval <datasetId>`: retrieval quality of one or more indexes against the labels (the
// evaluations endpoint), printed as the evaluation table; optionally the JSON and an SVG chart.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { formatEvaluationTable, precisionChartSvg, type EvaluationSummary } from '../lib/services/evaluation-chart.js';
import type { CreateEvaluationRequest, Evaluation, LoupeClient } from '../lib/sdk/index.js';
import { clientOf, GLOBAL_HELP, isUri, noMorePositionals, numberFlag, parseCommand, positional, printHelp, uriOf, UsageError, type CliIo } from './context.js';

export const EVAL_HELP = `Usage: loupe eval <datasetId> [--version v1] [--labels <uri|path>] [--index <spec>]… [--k 1,5,10,50,100]
                  [--target-precision 0.9] [--json <out.json>] [--chart <out.svg>]

Evaluates text → image retrieval on labelled images: each tag is a query, the images carrying it are
the relevant ones; prints P@K, R@K and mAP per index.

  --labels <uri|path>       dataset.jsonl lines {"image_id","tags":[…],"file"?}; default <version Uri>dataset.jsonl
  --index <spec>            an index to evaluate (repeat to compare), as
                              name=IndexName[,embedding=<connectionId>,vector=<connectionId>,model=<model>]
                            or just IndexName; connections not given come from the dataset's index config.
                            Default: the index config's index.
  --k <list>                cut-offs, default 1,5,10,50,100
  --target-precision <p>    also find the lowest score threshold reaching this precision
  --json <file>             write the whole result as JSON ('-': to stdout instead of the table)
  --chart <file>            write an SVG line chart of Precision@K

${GLOBAL_HELP}
`;

type IndexRequest = NonNullable<CreateEvaluationRequest['Indexes']>[number];
type IndexSpec = Omit<IndexRequest, 'EmbeddingConnectionId' | 'VectorConnectionId'> & Partial<Pick<IndexRequest, 'EmbeddingConnectionId' | 'VectorConnectionId'>>;

/** `name=IndexName,embedding=c-1,vector=c-2,model=m` or `IndexName`. */
export function parseIndexSpec(spec: string): IndexSpec {
  const [head, ...pairs] = spec.split(',').map((s) => s.trim());
  if (!head) throw new UsageError(`--index: empty spec`, 'eval');
  const eq = head.indexOf('=');
  const out: IndexSpec = eq < 0 ? { IndexName: head } : { Name: head.slice(0, eq), IndexName: head.slice(eq + 1) };
  if (!out.IndexName || out.Name === '') throw new UsageError(`--index: expected name=IndexName, got '${head}'`, 'eval');
  for (const p of pairs) {
    const i = p.indexOf('=');
    const key = i < 0 ? p : p.slice(0, i);
    const value = i < 0 ? '' : p.slice(i + 1);
    if (!value) throw new UsageError(`--index: expected key=value, got '${p}'`, 'eval');
    if (key === 'embedding') out.EmbeddingConnectionId = value;
    else if (key === 'vector') out.VectorConnectionId = value;
    else if (key === 'model') out.ModelName = value;
    else throw new UsageError(`--index: unknown key '${key}' (embedding, vector, model)`, 'eval');
  }
  return out;
}

/** The wire result as the evaluation views take it. */
export function evaluationSummaryOf(r: Evaluation): EvaluationSummary {
  const byK = (m: Record<string, number>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [Number(k), v]));
  return { ks: r.Ks, indexes: r.Indexes.map((x) => ({ name: x.Name, precisionAtK: byK(x.PrecisionAtK), recallAtK: byK(x.RecallAtK), map: x.MAP })) };
}

async function completeIndexes(client: LoupeClient, datasetId: string, specs: IndexSpec[]): Promise<IndexRequest[] | undefined> {
  if (!specs.length) return undefined;
  const missing = specs.some((s) => !s.EmbeddingConnectionId || !s.VectorConnectionId);
  const config = missing ? await client.getIndexConfig(datasetId) : undefined;
  return specs.map((s) => ({
    ...s,
    EmbeddingConnectionId: s.EmbeddingConnectionId ?? config!.EmbeddingConnectionId,
    VectorConnectionId: s.VectorConnectionId ?? config!.VectorConnectionId,
  }));
}

export async function evalCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand('eval', argv, {
    version: { type: 'string' },
    labels: { type: 'string' },
    index: { type: 'string', multiple: true },
    k: { type: 'string' },
    'target-precision': { type: 'string' },
    json: { type: 'string' },
    chart: { type: 'string' },
  });
  if (values.help) return printHelp(io, EVAL_HELP);
  const datasetId = positional(positionals, 0, 'datasetId', 'eval');
  noMorePositionals(positionals, 1, 'eval');
  const ks = values.k?.split(',').map((s) => {
    const n = Number(s.trim());
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--k: expected positive integers, got '${s}'`, 'eval');
    return n;
  });
  const specs = (values.index ?? []).map(parseIndexSpec);
  const client = clientOf(values, io);
  const req: CreateEvaluationRequest = {
    ...(values.version ? { DatasetVersion: values.version } : {}),
    ...(values.labels ? { LabelsUri: isUri(values.labels) ? values.labels : uriOf(values.labels, io.cwd, false) } : {}),
    ...(ks ? { Ks: ks } : {}),
    ...(values['target-precision'] !== undefined ? { TargetPrecision: numberFlag(values['target-precision'], 'target-precision', 'eval') } : {}),
  };
  const indexes = await completeIndexes(client, datasetId, specs);
  const r = await client.createEvaluation(datasetId, indexes ? { ...req, Indexes: indexes } : req);
  const summary = evaluationSummaryOf(r);

  if (values.json === '-') io.stdout.write(JSON.stringify(r, null, 2) + '\n');
  else {
    io.stdout.write(`${r.DatasetId} ${r.DatasetVersion}: ${r.Matched} of ${r.Images} labelled images matched, ${r.Queries} queries (labels ${r.LabelsUri})\n\n`);
    io.stdout.write(formatEvaluationTable(summary));
    for (const x of r.Indexes) {
      if (x.Threshold) {
        const t = x.Threshold;
        io.stdout.write(`${x.Name}: ScoreThreshold ${t.ScoreThreshold.toFixed(4)} reaches precision ${t.Precision.toFixed(4)} (target ${t.TargetPrecision}) at recall ${t.Recall.toFixed(4)}\n`);
      } else if (x.Threshold === null) io.stdout.write(`${x.Name}: no score threshold reaches precision ${req.TargetPrecision}\n`);
    }
  }
  if (values.json && values.json !== '-') await writeOut(io, values.json, JSON.stringify(r, null, 2) + '\n');
  if (values.chart) await writeOut(io, values.chart, precisionChartSvg(summary));
  return 0;
}

async function writeOut(io: CliIo, file: string, text: string): Promise<void> {
  const target = path.resolve(io.cwd, file);
  await writeFile(target, text);
  io.stderr.write(`wrote ${target}\n`);
}
