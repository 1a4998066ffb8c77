// The shell: sign-in, the top bar (pages, language, theme, sign out) and the page the URL names.
import { useEffect } from 'preact/hooks';
import { useSignal } from '@preact/signals';
import { ApiError, call, get, principal } from './api.js';
import { locale, messages, setLocale } from './i18n.js';
import { page, route, linkClick, navigate } from './route.js';
import { setTheme, theme } from './theme.js';
import { DatasetPage, DatasetsPage } from './pages/datasets.js';
import { DataView } from './data/data-view.js';
import { JobPage, JobsPage } from './pages/jobs.js';
import { ConnectionsPage } from './pages/connections.js';
import { TagDefinitionsPage } from './pages/tag-definitions.js';
import { Toasts } from './ui/toast.js';

const t = messages(
  {
    datasets: 'Datasets',
    jobs: 'Jobs',
    connections: 'Connections',
    tagDefinitions: 'Tag definitions',
    signOut: 'Sign out',
    signIn: 'Sign in',
    apiKey: 'API key',
    apiKeyHelp: 'The key is sent once; the browser then keeps only a session cookie it cannot read.',
    themeSystem: 'Theme: system',
    themeLight: 'Theme: light',
    themeDark: 'Theme: dark',
    language: 'Language',
    notFound: 'No such page.',
    signedInAs: 'Signed in as {who}',
  },
  {
    datasets: '数据集',
    jobs: '任务',
    connections: '连接',
    tagDefinitions: '标签定义',
    signOut: '退出登录',
    signIn: '登录',
    apiKey: 'API 密钥',
    apiKeyHelp: '密钥只发送一次；之后浏览器只保存一个页面脚本无法读取的会话 Cookie。',
    themeSystem: '主题：跟随系统',
    themeLight: '主题：浅色',
    themeDark: '主题：深色',
    language: '语言',
    notFound: '没有这个页面。',
    signedInAs: '当前用户：{who}',
  },
);

function SignIn() {
  const key = useSignal('');
  const error = useSignal('');
  const busy = useSignal(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    busy.value = true;
    error.value = '';
    try {
      const r = await call<{ Principal: string }>('POST', '/api/v1/session', { body: { ApiKey: key.value } });
      key.value = '';
      principal.value = r.Principal;
    } catch (err) {
      error.value = err instanceof ApiError ? err.message : String(err);
    } finally {
      busy.value = false;
    }
  };
  return (
    <main class="signin">
      <form onSubmit={submit} method="post" class="card">
        <h1>Loupe</h1>
        <label>
          {t('apiKey')}
          <input type="password" autocomplete="current-password" value={key.value} onInput={(e) => (key.value = e.currentTarget.value)} autofocus required />
        </label>
        <p class="muted">{t('apiKeyHelp')}</p>
        {error.value && <p class="error" role="alert">{error.value}</p>}
        <button type="submit" class="primary" disabled={busy.value}>
          {t('signIn')}
        </button>
      </form>
    </main>
  );
}

function TopBar() {
  const current = page.value;
  const nav = (to: string, label: string) => (
    <a href={`/${to}`} onClick={linkClick} class={current === to ? 'active' : ''} aria-current={current === to ? 'page' : undefined}>
      {label}
    </a>
  );
  const nextTheme = theme.value === 'system' ? 'light' : theme.value === 'light' ? 'dark' : 'system';
  const signOut = async () => {
    await call('DELETE', '/api/v1/session').catch(() => undefined);
    principal.value = null;
  };
  return (
    <header class="topbar">
      <a class="brand" href="/datasets" onClick={linkClick}>
        Loupe
      </a>
      <nav>
        {nav('datasets', t('datasets'))}
        {nav('jobs', t('jobs'))}
        {nav('connections', t('connections'))}
        {nav('tag-definitions', t('tagDefinitions'))}
      </nav>
      <span class="spacer" />
      <select aria-label={t('language')} value={locale.value} onChange={(e) => setLocale(e.currentTarget.value as 'en' | 'zh-CN')}>
        <option value="en">English</option>
        <option value="zh-CN">简体中文</option>
      </select>
      <button type="button" class="ghost" data-testid="theme" onClick={() => setTheme(nextTheme)} title={t(theme.value === 'system' ? 'themeSystem' : theme.value === 'light' ? 'themeLight' : 'themeDark')}>
        {theme.value === 'system' ? '◐' : theme.value === 'light' ? '☀' : '☾'}
      </button>
      <span class="muted who" title={t('signedInAs', { who: principal.value ?? '' })}>
        {principal.value}
      </span>
      <button type="button" class="ghost" onClick={signOut}>
        {t('signOut')}
      </button>
    </header>
  );
}

function Page() {
  const parts = route.value.parts;
  switch (page.value) {
    case 'datasets':
      if (parts[1] && parts[2] === 'files') return <DataView datasetId={parts[1]} />;
      if (parts[1]) return <DatasetPage datasetId={parts[1]} />;
      return <DatasetsPage />;
    case 'jobs':
      return parts[1] ? <JobPage jobId={parts[1]} /> : <JobsPage />;
    case 'connections':
      return <ConnectionsPage />;
    case 'tag-definitions':
      return <TagDefinitionsPage />;
    default:
      return <main class="page"><p>{t('notFound')}</p></main>;
  }
}

export function App() {
  useEffect(() => {
    get<{ Principal: string }>('/api/v1/session')
      .then((r) => (principal.value = r.Principal))
      .catch(() => (principal.value = null));
  }, []);
  useEffect(() => {
    if (location.pathname === '/') navigate('/datasets', { replace: true });
  }, []);
  if (principal.value === undefined) return <div class="boot" aria-busy="true" />;
  if (principal.value === null) return <SignIn />;
  return (
    <>
      <TopBar />
      <Page />
      <Toasts />
    </>
  );
}
