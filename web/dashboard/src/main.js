// Entry point of the dashboard bundle (web/dashboard/dist/app.js): styles and the app shell.
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { render } from 'preact';
import { html } from './html.js';
import { App } from './app.js';

render(html`<${App} />`, document.getElementById('app'));
