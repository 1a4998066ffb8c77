// Image search in the sidebar: the query image as a chip (an upload held in memory, or a dataset file
// named by img= — picked here by name or set by "more like this"), cleared with ×; an upload button and
// a file picker. One image at a time; choosing one runs the search at once.
import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { get, seg, thumbnailUrl } from '../api.js';
import { bytes } from '../i18n.js';
import { setParams } from '../route.js';
import { MAX_QUERY_IMAGE_BYTES } from './limits.js';
import { t } from './messages.js';
import { dataQuery, uploadedImage } from './state.js';


interface MetaBrief {
  DatasetFileMetaId: string;
  FileName: string;
  FileDir: string;
  FileFingerPrint?: string;
}

function Chip({ src, name, note, onClear }: { src: string; name: string; note: string; onClear: () => void }) {
  return (
    <div class="image-chip" data-testid="query-image">
      <img src={src} alt="" />
      <div class="image-chip-text">
        <span class="ellipsis" title={name}>
          {name}
        </span>
        <span class="muted small">{note}</span>
      </div>
      <button type="button" class="ghost" data-testid="query-image-clear" aria-label={t('clearImage')} title={t('clearImage')} onClick={onClear}>
        ×
      </button>
    </div>
  );
}

/** The chip of the dataset file named by img=: its thumbnail and name, fetched once. */
function PickedChip({ datasetId, version, id }: { datasetId: string; version: string; id: string }) {
  const meta = useSignal<MetaBrief | null>(null);
  const error = useSignal('');
  useEffect(() => {
    const ctl = new AbortController();
    meta.value = null;
    error.value = '';
    get<{ DatasetFileMeta: MetaBrief }>(`/api/v1/datasets/${seg(datasetId)}/datasetfilemetas/${seg(id)}`, { DatasetVersion: version || undefined }, ctl.signal).then(
      (r) => (meta.value = r.DatasetFileMeta),
      (e) => !ctl.signal.aborted && (error.value = e instanceof Error ? e.message : String(e)),
    );
    return () => ctl.abort();
  }, [datasetId, version, id]);
  return (
    <>
      <Chip src={thumbnailUrl(datasetId, id, meta.value?.FileFingerPrint, 'grid')} name={meta.value?.FileName ?? id} note={t('similarTo')} onClear={() => setParams({ img: null })} />
      {error.value && <p class="error small">{error.value}</p>}
    </>
  );
}

/** Search the version's files by name (PAI's QueryFileName: a case-insensitive substring); a click picks one. */
function FilePicker({ datasetId, version, onPick }: { datasetId: string; version: string; onPick: (id: string) => void }) {
  const name = useSignal('');
  const found = useSignal<MetaBrief[] | null>(null);
  const error = useSignal('');
  useEffect(() => {
    const ctl = new AbortController();
    const timer = setTimeout(() => {
      get<{ DatasetFileMetas: MetaBrief[] }>(
        `/api/v1/datasets/${seg(datasetId)}/datasetfilemetas`,
        { DatasetVersion: version || undefined, QueryFileName: name.value.trim() || undefined, MaxResults: 24 },
        ctl.signal,
      ).then(
        (r) => {
          found.value = r.DatasetFileMetas;
          error.value = '';
        },
        (e) => !ctl.signal.aborted && (error.value = e instanceof Error ? e.message : String(e)),
      );
    }, 250);
    return () => {
      clearTimeout(timer);
      ctl.abort();
    };
  }, [datasetId, version, name.value]);
  return (
    <div class="file-picker" data-testid="image-picker">
      <input
        type="search"
        data-testid="image-picker-name"
        placeholder={t('pickByName')}
        aria-label={t('pickByName')}
        value={name.value}
        onInput={(e) => (name.value = e.currentTarget.value)}
        onKeyDown={(e) => e.key === 'Enter' && e.preventDefault()}
      />
      {error.value && <p class="error small">{error.value}</p>}
      {found.value?.length === 0 && <p class="muted small">{t('pickNone')}</p>}
      <ul>
        {found.value?.map((m) => (
          <li key={m.DatasetFileMetaId}>
            <button type="button" class="ghost" data-testid="image-picker-item" data-id={m.DatasetFileMetaId} title={m.FileDir + m.FileName} onClick={() => onPick(m.DatasetFileMetaId)}>
              <img src={thumbnailUrl(datasetId, m.DatasetFileMetaId, m.FileFingerPrint, 'grid')} alt="" loading="lazy" />
              <span class="ellipsis">{m.FileName}</span>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

function readAsDataUrl(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result));
    r.onerror = () => reject(r.error ?? new Error('the file could not be read'));
    r.readAsDataURL(file);
  });
}

export function ImageSearch({ datasetId }: { datasetId: string }) {
  const { img, version } = dataQuery.value;
  const up = uploadedImage.value;
  const picking = useSignal(false);
  const error = useSignal('');

  const onFile = async (e: Event) => {
    const input = e.currentTarget as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    error.value = '';
    if (!file) return;
    if (!file.type.startsWith('image/')) return void (error.value = t('notAnImage', { name: file.name }));
    if (file.size > MAX_QUERY_IMAGE_BYTES) return void (error.value = t('imageTooLarge', { name: file.name, size: bytes(file.size), max: bytes(MAX_QUERY_IMAGE_BYTES) }));
    try {
      const dataUrl = await readAsDataUrl(file);
      if (img) setParams({ img: null });
      uploadedImage.value = { name: file.name, dataUrl };
    } catch (err) {
      error.value = err instanceof Error ? err.message : String(err);
    }
  };

  return (
    <div class="image-search">
      {up ? (
        <Chip src={up.dataUrl} name={up.name} note={t('uploaded')} onClear={() => (uploadedImage.value = null)} />
      ) : img ? (
        <PickedChip datasetId={datasetId} version={version} id={img} />
      ) : null}
      <div class="row">
        <label class="button">
          <input type="file" accept="image/*" hidden data-testid="image-upload" onChange={onFile} />
          {t('upload')}
        </label>
        <button type="button" aria-expanded={picking.value} data-testid="image-pick" onClick={() => (picking.value = !picking.value)}>
          {t('pick')}
        </button>
      </div>
      {error.value && <p class="error small">{error.value}</p>}
      {picking.value && (
        <FilePicker
          datasetId={datasetId}
          version={version}
          onPick={(id) => {
            picking.value = false;
            setParams({ img: id });
          }}
        />
      )}
    </div>
  );
}
