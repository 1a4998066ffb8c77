// The console's entry: mounts the shell into #app. Served at / by the api function (lib/http/console.ts).
import { render } from 'preact';
import { App } from './app.js';
import './theme.js';
import './styles.css';

render(<App />, document.getElementById('app')!);
