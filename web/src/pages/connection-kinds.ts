// The Configs and Secrets each ConnectionType takes, as lib/domain/connection.ts CONNECTION_KINDS says
// (test/unit/web-connection-kinds.test.ts keeps the two equal): the console cannot import the server's
// module (it brings zod), so the form's fields come from this copy.
export type Purpose = 'tagging' | 'embedding' | 'vector' | 'database' | 'custom';

export interface Kind {
  purpose: Purpose;
  /** False: stored and validated, but no job or search can use it yet. */
  usable: boolean;
  configs: { required: string[]; optional: string[] };
  secrets: { required: string[]; optional: string[] };
  /** Any key is taken (CustomConnection). */
  freeForm?: boolean;
}

const k = (purpose: Purpose, usable: boolean, configs: [string[], string[]], secrets: [string[], string[]], freeForm?: boolean): Kind => ({
  purpose,
  usable,
  configs: { required: configs[0], optional: configs[1] },
  secrets: { required: secrets[0], optional: secrets[1] },
  ...(freeForm ? { freeForm } : {}),
});
const store = (usable: boolean) => k('vector', usable, [['uri'], ['username']], [[], ['password']]);

export const KINDS: Record<string, Kind> = {
  DashScopeConnection: k('tagging', true, [[], ['base_url']], [['api_key'], []]),
  OpenLLMConnection: k('tagging', true, [['base_url'], []], [[], ['api_key']]),
  MilvusConnection: store(false),
  OpenSearchConnection: store(false),
  LindormConnection: store(false),
  ElasticsearchConnection: store(false),
  HologresConnection: k('database', false, [['host'], ['port', 'database', 'user']], [[], ['password']]),
  RDSConnection: k('database', false, [['host'], ['port', 'database', 'type', 'username']], [[], ['password']]),
  CustomConnection: k('custom', false, [[], []], [[], []], true),
  EasEmbeddingConnection: k('embedding', true, [['Endpoint'], ['Model']], [[], ['Token']]),
  DashScopeEmbeddingConnection: k('embedding', true, [[], ['BaseUrl', 'Model']], [['ApiKey'], []]),
  ClassicEmbeddingConnection: k('embedding', true, [[], []], [[], []]),
  LocalVectorConnection: k('vector', true, [[], []], [[], []]),
};

/** The connections a job may use for a purpose. */
export const usableFor = <T extends { ConnectionType: string }>(list: T[], purpose: Purpose) =>
  list.filter((c) => KINDS[c.ConnectionType]?.purpose === purpose && KINDS[c.ConnectionType]?.usable);
