// Tag definitions: the guide prompt and the tags a vision model is asked for (each a free tag or a
// closed list of values). Every edit raises the Version; an edit names the version it was based on, so
// a definition changed meanwhile is refused (409) rather than overwritten. Tagging jobs freeze the
// version they ran with, and an Increment job re-tags files tagged under an older one.
import { useSignal } from '@preact/signals';
import { del, post, put, seg } from '../api.js';
import { dateTime, messages } from '../i18n.js';
import { Confirm, Dialog } from '../ui/dialog.js';
import { toast } from '../ui/toast.js';
import { Actions, Err, Field, Head, PageHead, bind } from './bits.js';
import { errText, useLoad } from './load.js';
import { listTagDefinitions, type TagDefinition, type TagItem } from './model.js';
import './pages.css';

const t = messages(
  {
    title: 'Tag definitions',
    add: 'New tag definition…',
    edit: 'Edit',
    name: 'Name',
    version: 'Version',
    tags: 'Tags',
    guidePrompt: 'Guide prompt',
    guideHelp: 'What the model is told about the images, before the list of tags.',
    description: 'Description',
    modified: 'Modified',
    none: 'No tag definitions yet.',
    tag: 'Tag',
    tagDescription: 'What it means',
    values: 'Values (comma-separated; blank: a yes/no tag)',
    addTag: 'Add a tag',
    removeTag: 'Remove',
    save: 'Save',
    saveAs: 'Save as version {v}',
    cancel: 'Cancel',
    delete: 'Delete',
    deleteTitle: 'Delete tag definition “{name}”?',
    deleteText: 'Tags already written stay on the files; jobs can no longer use this definition.',
    saved: '{name} saved as version {v}.',
    count: '{n} tags',
  },
  {
    title: '标签定义',
    add: '新建标签定义…',
    edit: '编辑',
    name: '名称',
    version: '版本',
    tags: '标签',
    guidePrompt: '引导提示词',
    guideHelp: '在标签列表之前告诉模型的关于图片的说明。',
    description: '描述',
    modified: '修改时间',
    none: '还没有标签定义。',
    tag: '标签',
    tagDescription: '含义',
    values: '取值（逗号分隔；留空：是/否标签）',
    addTag: '添加标签',
    removeTag: '移除',
    save: '保存',
    saveAs: '保存为版本 {v}',
    cancel: '取消',
    delete: '删除',
    deleteTitle: '删除标签定义“{name}”？',
    deleteText: '已写入文件的标签会保留；任务将不能再使用此定义。',
    saved: '{name} 已保存为版本 {v}。',
    count: '{n} 个标签',
  },
);

const path = (id: string) => `/api/v1/tagdefinitions/${seg(id)}`;

export function TagDefinitionsPage() {
  const list = useLoad((signal) => listTagDefinitions(signal), []);
  const editing = useSignal<TagDefinition | 'new' | null>(null);
  const deleting = useSignal<TagDefinition | null>(null);
  const rows = list.data.value;
  return (
    <main class="page">
      <PageHead title={t('title')} action={t('add')} onAction={() => (editing.value = 'new')} testid="tagdef-create" />
      <Err e={list.error.value} />
      {rows && !rows.length && <p class="muted">{t('none')}</p>}
      {rows && rows.length > 0 && (
        <table class="table">
          <Head cols={[t('name'), t('version'), t('guidePrompt'), t('tags'), t('modified'), '']} />
          <tbody>
            {rows.map((d) => (
              <tr key={d.TagDefinitionId} data-testid="tagdef-row" data-id={d.TagDefinitionId}>
                <td>
                  {d.Name}
                  <div class="muted small mono">{d.TagDefinitionId}</div>
                  {d.Description && <div class="muted small">{d.Description}</div>}
                </td>
                <td>v{d.Version}</td>
                <td class="small clamp">{d.GuidePrompt}</td>
                <td class="small">
                  <div class="muted">{t('count', { n: d.Tags.length })}</div>
                  <div class="chips">
                    {d.Tags.slice(0, 24).map((x) => (
                      <span class="badge" key={x.Name} title={x.Description}>
                        {x.Name}
                      </span>
                    ))}
                    {d.Tags.length > 24 && <span class="muted">…</span>}
                  </div>
                </td>
                <td class="nowrap">{dateTime(d.GmtModifiedTime)}</td>
                <td>
                  <div class="row">
                    <button type="button" class="ghost" onClick={() => (editing.value = d)}>
                      {t('edit')}
                    </button>
                    <button type="button" class="ghost" onClick={() => (deleting.value = d)}>
                      {t('delete')}
                    </button>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {editing.value && <Editor d={editing.value === 'new' ? undefined : editing.value} onClose={() => (editing.value = null)} onSaved={list.reload} />}
      {deleting.value && (
        <Confirm
          title={t('deleteTitle', { name: deleting.value.Name })}
          text={t('deleteText')}
          yes={t('delete')}
          no={t('cancel')}
          onClose={() => (deleting.value = null)}
          run={async () => {
            await del(path(deleting.value!.TagDefinitionId));
            void list.reload();
          }}
        />
      )}
    </main>
  );
}

/** A tag row as edited: Values as the comma text typed. */
interface Row {
  Name: string;
  Description: string;
  Values: string;
}

const toRow = (x: TagItem): Row => ({ Name: x.Name, Description: x.Description, Values: (x.Values ?? []).join(', ') });
const toItem = (r: Row): TagItem => {
  const values = r.Values.split(/[,，]/)
    .map((v) => v.trim())
    .filter(Boolean);
  return { Name: r.Name.trim(), Description: r.Description.trim(), ...(values.length ? { Values: values } : {}) };
};

function Editor({ d, onClose, onSaved }: { d?: TagDefinition; onClose: () => void; onSaved: () => void }) {
  const name = useSignal(d?.Name ?? '');
  const desc = useSignal(d?.Description ?? '');
  const guide = useSignal(d?.GuidePrompt ?? '');
  const rows = useSignal<Row[]>(d ? d.Tags.map(toRow) : [{ Name: '', Description: '', Values: '' }]);
  const error = useSignal('');
  const setRow = (i: number, patch: Partial<Row>) => (rows.value = rows.value.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const save = async (e: Event) => {
    e.preventDefault();
    error.value = '';
    const body = {
      Name: name.value.trim(),
      GuidePrompt: guide.value,
      Tags: rows.value.filter((r) => r.Name.trim()).map(toItem),
      Description: desc.value,
    };
    try {
      const r = d ? await put<{ Version: number }>(path(d.TagDefinitionId), { ...body, Version: d.Version }) : await post<{ Version: number }>('/api/v1/tagdefinitions', body);
      toast(t('saved', { name: body.Name, v: `v${r.Version}` }));
      onSaved();
      onClose();
    } catch (err) {
      error.value = errText(err);
    }
  };
  return (
    <Dialog title={d ? `${t('edit')}: ${d.Name} (v${d.Version})` : t('add')} onClose={onClose} wide>
      <form onSubmit={save}>
        <div class="grid2">
          <Field label={t('name')}>
            <input {...bind(name)} required maxLength={128} data-testid="tagdef-name" />
          </Field>
          <Field label={t('description')}>
            <input {...bind(desc)} maxLength={1024} />
          </Field>
        </div>
        <Field label={t('guidePrompt')} help={t('guideHelp')}>
          <textarea rows={4} {...bind(guide)} maxLength={8192} data-testid="tagdef-guide" />
        </Field>
        <table class="table tag-rows">
          <Head cols={[t('tag'), t('tagDescription'), t('values'), '']} />
          <tbody>
            {rows.value.map((r, i) => (
              <tr key={i}>
                <td>
                  <input value={r.Name} onInput={(e) => setRow(i, { Name: e.currentTarget.value })} maxLength={128} aria-label={t('tag')} data-testid="tagdef-tag" />
                </td>
                <td>
                  <input value={r.Description} onInput={(e) => setRow(i, { Description: e.currentTarget.value })} maxLength={2048} aria-label={t('tagDescription')} />
                </td>
                <td>
                  <input value={r.Values} onInput={(e) => setRow(i, { Values: e.currentTarget.value })} aria-label={t('values')} />
                </td>
                <td>
                  <button type="button" class="ghost" onClick={() => (rows.value = rows.value.filter((_, j) => j !== i))} disabled={rows.value.length === 1}>
                    {t('removeTag')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <button type="button" onClick={() => (rows.value = [...rows.value, { Name: '', Description: '', Values: '' }])}>
          {t('addTag')}
        </button>
        <span class="muted small"> {t('count', { n: rows.value.filter((r) => r.Name.trim()).length })}</span>
        <Err e={error.value} />
        <Actions cancel={t('cancel')} onCancel={onClose} submit={d ? t('saveAs', { v: `v${d.Version + 1}` }) : t('save')} testid="tagdef-save" />
      </form>
    </Dialog>
  );
}
