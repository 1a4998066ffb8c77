// Connections: the model services, embedders and vector stores jobs and searches use. Secrets are
// write-only: the API never returns them and this page never shows one, only whether each is set; a
// blank secret field on an edit keeps the one held. Validate really calls the service (the API's
// ValidateConnection), for a saved connection or for settings not saved yet.
import { useSignal } from '@preact/signals';
import { del, post, put, seg } from '../api.js';
import { dateTime, messages } from '../i18n.js';
import { Confirm, Dialog } from '../ui/dialog.js';
import { toast } from '../ui/toast.js';
import { KINDS } from './connection-kinds.js';
import { Actions, Err, Field, Head, PageHead, bind } from './bits.js';
import { errText, useLoad } from './load.js';
import { listConnections, type Connection } from './model.js';
import './pages.css';

const t = messages(
  {
    connections: 'Connections',
    add: 'New connection…',
    edit: 'Edit',
    name: 'Name',
    type: 'Type',
    configs: 'Settings',
    secrets: 'Secrets',
    models: 'Models',
    modelsHelp: 'One model name a line (e.g. qwen-vl-max).',
    description: 'Description',
    workspace: 'Workspace',
    created: 'Created',
    set: 'set',
    notSet: 'not set',
    keep: 'set: leave blank to keep it',
    remove: 'remove',
    required: 'required',
    validate: 'Validate',
    test: 'Test these settings',
    ok: 'Works: {msg}',
    failedValidation: 'Failed: {msg}',
    save: 'Save',
    cancel: 'Cancel',
    delete: 'Delete',
    deleteTitle: 'Delete connection “{name}”?',
    deleteText: 'Jobs already created keep working only if they do not need it again; its secrets are destroyed.',
    none: 'No connections yet.',
    saved: 'Connection {name} saved.',
    notUsable: 'Stored and validated, but no job or search can use this type yet.',
    freeConfigs: 'Settings: one key=value a line',
    secretName: 'New secret name',
    addSecret: 'Add',
    tagging: 'vision model (tagging)',
    embedding: 'embedding model',
    vector: 'vector store',
    database: 'database',
    custom: 'custom',
  },
  {
    connections: '连接',
    add: '新建连接…',
    edit: '编辑',
    name: '名称',
    type: '类型',
    configs: '设置',
    secrets: '密钥',
    models: '模型',
    modelsHelp: '每行一个模型名（如 qwen-vl-max）。',
    description: '描述',
    workspace: '工作空间',
    created: '创建时间',
    set: '已设置',
    notSet: '未设置',
    keep: '已设置：留空则保留',
    remove: '删除',
    required: '必填',
    validate: '验证',
    test: '测试这些设置',
    ok: '可用：{msg}',
    failedValidation: '失败：{msg}',
    save: '保存',
    cancel: '取消',
    delete: '删除',
    deleteTitle: '删除连接“{name}”？',
    deleteText: '已创建的任务若还需要它将无法继续；它的密钥会被销毁。',
    none: '还没有连接。',
    saved: '连接 {name} 已保存。',
    notUsable: '可以保存和验证，但暂时没有任务或搜索能使用这种类型。',
    freeConfigs: '设置：每行一个 key=value',
    secretName: '新密钥名',
    addSecret: '添加',
    tagging: '视觉模型（打标签）',
    embedding: '向量化模型',
    vector: '向量库',
    database: '数据库',
    custom: '自定义',
  },
);

interface Validation {
  Status: 'success' | 'failed';
  Message: string;
}

const validationText = (v: Validation) => (v.Status === 'success' ? t('ok', { msg: v.Message }) : t('failedValidation', { msg: v.Message }));

/** The secret names a connection of this type may hold: the type's, and any it holds. */
const secretNames = (type: string, held: string[] = []) => {
  const k = KINDS[type];
  return [...new Set([...(k?.secrets.required ?? []), ...(k?.secrets.optional ?? []), ...held])];
};

export function ConnectionsPage() {
  const list = useLoad((signal) => listConnections(signal), []);
  const editing = useSignal<Connection | 'new' | null>(null);
  const deleting = useSignal<Connection | null>(null);
  const results = useSignal<Record<string, string>>({});
  const validate = async (c: Connection) => {
    results.value = { ...results.value, [c.ConnectionId]: '…' };
    try {
      const v = await post<Validation>('/api/v1/connections/validate', { ConnectionId: c.ConnectionId });
      results.value = { ...results.value, [c.ConnectionId]: validationText(v) };
    } catch (e) {
      results.value = { ...results.value, [c.ConnectionId]: errText(e) };
    }
  };
  const rows = list.data.value;
  return (
    <main class="page">
      <PageHead title={t('connections')} action={t('add')} onAction={() => (editing.value = 'new')} testid="connection-create" />
      <Err e={list.error.value} />
      {rows && !rows.length && <p class="muted">{t('none')}</p>}
      {rows && rows.length > 0 && (
        <table class="table">
          <Head cols={[t('name'), t('type'), t('configs'), t('secrets'), t('models'), t('created'), '']} />
          <tbody>
            {rows.map((c) => (
              <tr key={c.ConnectionId} data-testid="connection-row" data-id={c.ConnectionId}>
                <td>
                  {c.ConnectionName}
                  <div class="muted small mono">{c.ConnectionId}</div>
                  {c.Description && <div class="muted small">{c.Description}</div>}
                </td>
                <td>
                  {c.ConnectionType}
                  <div class="muted small">{KINDS[c.ConnectionType] ? t(KINDS[c.ConnectionType]!.purpose) : ''}</div>
                </td>
                <td class="mono small break">
                  {Object.entries(c.Configs).map(([k, v]) => (
                    <div key={k}>
                      {k} = {v}
                    </div>
                  ))}
                </td>
                <td class="small">
                  {secretNames(c.ConnectionType, Object.keys(c.Secrets)).map((n) => (
                    <div key={n}>
                      <span class="mono">{n}</span>: <span class={n in c.Secrets ? 'ok' : 'muted'}>{n in c.Secrets ? t('set') : t('notSet')}</span>
                    </div>
                  ))}
                </td>
                <td class="small">{c.Models.map((m) => m.Model).join(', ')}</td>
                <td class="nowrap">{dateTime(c.GmtCreateTime)}</td>
                <td>
                  <div class="row">
                    <button type="button" onClick={() => validate(c)} data-testid="connection-validate">
                      {t('validate')}
                    </button>
                    <button type="button" class="ghost" onClick={() => (editing.value = c)}>
                      {t('edit')}
                    </button>
                    <button type="button" class="ghost" onClick={() => (deleting.value = c)}>
                      {t('delete')}
                    </button>
                  </div>
                  {results.value[c.ConnectionId] && (
                    <div class="small" data-testid="validate-result">
                      {results.value[c.ConnectionId]}
                    </div>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {editing.value && <Editor c={editing.value === 'new' ? undefined : editing.value} onClose={() => (editing.value = null)} onSaved={list.reload} />}
      {deleting.value && (
        <Confirm
          title={t('deleteTitle', { name: deleting.value.ConnectionName })}
          text={t('deleteText')}
          yes={t('delete')}
          no={t('cancel')}
          onClose={() => (deleting.value = null)}
          run={async () => {
            await del(`/api/v1/connections/${seg(deleting.value!.ConnectionId)}`);
            void list.reload();
          }}
        />
      )}
    </main>
  );
}

function Editor({ c, onClose, onSaved }: { c?: Connection; onClose: () => void; onSaved: () => void }) {
  const type = useSignal(c?.ConnectionType ?? 'DashScopeConnection');
  const name = useSignal(c?.ConnectionName ?? '');
  const desc = useSignal(c?.Description ?? '');
  const workspace = useSignal('');
  const configs = useSignal<Record<string, string>>({ ...(c?.Configs ?? {}) });
  const freeConfigs = useSignal(Object.entries(c?.Configs ?? {}).map(([k, v]) => `${k}=${v}`).join('\n'));
  /** Typed secret values (never read back from the server, which has none to give). */
  const secrets = useSignal<Record<string, string>>({});
  const removed = useSignal<Record<string, boolean>>({});
  const extra = useSignal<string[]>([]);
  const newSecret = useSignal('');
  const models = useSignal((c?.Models ?? []).map((m) => m.Model).join('\n'));
  const error = useSignal('');
  const result = useSignal('');
  const kind = KINDS[type.value];
  const held = Object.keys(c?.Secrets ?? {});
  const names = [...secretNames(type.value, held), ...extra.value.filter((n) => !secretNames(type.value, held).includes(n))];

  const body = () => {
    const cfg: Record<string, string> = {};
    if (kind?.freeForm) {
      for (const line of freeConfigs.value.split('\n')) {
        const i = line.indexOf('=');
        if (i > 0) cfg[line.slice(0, i).trim()] = line.slice(i + 1).trim();
      }
    } else for (const [k, v] of Object.entries(configs.value)) if (v.trim()) cfg[k] = v.trim();
    const sec: Record<string, string> = {};
    for (const n of names) {
      if (removed.value[n]) sec[n] = '';
      else if (secrets.value[n]) sec[n] = secrets.value[n]!;
    }
    const modelList = models.value
      .split('\n')
      .map((m) => m.trim())
      .filter(Boolean);
    const sameModels = c && modelList.join('\n') === c.Models.map((m) => m.Model).join('\n');
    return { cfg, sec, models: sameModels ? undefined : modelList.map((Model) => ({ Model })) };
  };

  const save = async (e: Event) => {
    e.preventDefault();
    error.value = '';
    const b = body();
    try {
      if (c) {
        await put(`/api/v1/connections/${seg(c.ConnectionId)}`, {
          ConnectionName: name.value.trim(),
          Description: desc.value,
          Configs: b.cfg,
          ...(Object.keys(b.sec).length ? { Secrets: b.sec } : {}),
          ...(b.models ? { Models: b.models } : {}),
        });
      } else {
        await post('/api/v1/connections', {
          ConnectionName: name.value.trim(),
          ConnectionType: type.value,
          Configs: b.cfg,
          Secrets: b.sec,
          ...(b.models?.length ? { Models: b.models } : {}),
          ...(desc.value.trim() ? { Description: desc.value.trim() } : {}),
          ...(workspace.value.trim() ? { WorkspaceId: workspace.value.trim() } : {}),
        });
      }
      secrets.value = {};
      toast(t('saved', { name: name.value.trim() }));
      onSaved();
      onClose();
    } catch (err) {
      error.value = errText(err);
    }
  };

  const test = async () => {
    const b = body();
    result.value = '…';
    try {
      const v = await post<Validation>('/api/v1/connections/validate', {
        ConnectionType: type.value,
        Configs: b.cfg,
        Secrets: b.sec,
        ...(b.models?.length ? { Models: b.models } : {}),
      });
      result.value = validationText(v);
    } catch (err) {
      result.value = errText(err);
    }
  };

  const cfgKeys = kind ? [...kind.configs.required, ...kind.configs.optional] : [];
  return (
    <Dialog title={c ? `${t('edit')}: ${c.ConnectionName}` : t('add')} onClose={onClose} wide>
      <form onSubmit={save} autocomplete="off">
        <div class="grid2">
          <Field label={t('type')}>
            <select value={type.value} disabled={!!c} onChange={(e) => (type.value = e.currentTarget.value)} data-testid="connection-type">
              {Object.keys(KINDS).map((k) => (
                <option key={k} value={k}>
                  {k} — {t(KINDS[k]!.purpose)}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t('name')}>
            <input {...bind(name)} required maxLength={128} data-testid="connection-name" />
          </Field>
        </div>
        {kind && !kind.usable && <p class="muted">{t('notUsable')}</p>}
        {kind?.freeForm ? (
          <Field label={t('freeConfigs')}>
            <textarea rows={3} {...bind(freeConfigs)} />
          </Field>
        ) : (
          <div class="grid2">
            {cfgKeys.map((k) => (
              <Field
                key={k}
                label={
                  <span>
                    <span class="mono">{k}</span> {kind?.configs.required.includes(k) && <span class="muted small">({t('required')})</span>}
                  </span>
                }
              >
                <input
                  value={configs.value[k] ?? ''}
                  required={kind?.configs.required.includes(k)}
                  onInput={(e) => (configs.value = { ...configs.value, [k]: e.currentTarget.value })}
                  data-testid={`config-${k}`}
                />
              </Field>
            ))}
          </div>
        )}
        {(names.length > 0 || kind?.freeForm) && (
          <fieldset>
            <legend>{t('secrets')}</legend>
            {names.map((n) => {
              const isSet = held.includes(n);
              return (
                <div key={n} class="row secret">
                  <Field
                    label={
                      <span>
                        <span class="mono">{n}</span>{' '}
                        <span class={isSet ? 'ok small' : 'muted small'} data-testid={`secret-state-${n}`}>
                          {isSet ? t('set') : t('notSet')}
                        </span>{' '}
                        {!isSet && kind?.secrets.required.includes(n) && <span class="muted small">({t('required')})</span>}
                      </span>
                    }
                  >
                    <input
                      type="password"
                      autocomplete="new-password"
                      value={secrets.value[n] ?? ''}
                      placeholder={isSet ? t('keep') : ''}
                      required={!c && kind?.secrets.required.includes(n)}
                      disabled={removed.value[n]}
                      onInput={(e) => (secrets.value = { ...secrets.value, [n]: e.currentTarget.value })}
                      data-testid={`secret-${n}`}
                    />
                  </Field>
                  {isSet && (
                    <label class="inline small">
                      <input type="checkbox" checked={!!removed.value[n]} onChange={(e) => (removed.value = { ...removed.value, [n]: e.currentTarget.checked })} /> {t('remove')}
                    </label>
                  )}
                </div>
              );
            })}
            {kind?.freeForm && (
              <div class="row">
                <input aria-label={t('secretName')} placeholder={t('secretName')} {...bind(newSecret)} />
                <button
                  type="button"
                  onClick={() => {
                    const n = newSecret.value.trim();
                    if (n && !names.includes(n)) extra.value = [...extra.value, n];
                    newSecret.value = '';
                  }}
                >
                  {t('addSecret')}
                </button>
              </div>
            )}
          </fieldset>
        )}
        <Field label={t('models')} help={t('modelsHelp')}>
          <textarea rows={2} {...bind(models)} />
        </Field>
        <div class="grid2">
          <Field label={t('description')}>
            <input {...bind(desc)} maxLength={1024} />
          </Field>
          {!c && (
            <Field label={t('workspace')}>
              <input {...bind(workspace)} maxLength={64} />
            </Field>
          )}
        </div>
        <Err e={error.value} />
        {result.value && <p data-testid="test-result">{result.value}</p>}
        <Actions cancel={t('cancel')} onCancel={onClose} submit={t('save')} testid="connection-save">
          {!c && (
            <button type="button" onClick={test}>
              {t('test')}
            </button>
          )}
          <span class="spacer" />
        </Actions>
      </form>
    </Dialog>
  );
}
