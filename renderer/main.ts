/** Renderer entry: applies the system theme before first paint, then mounts the shell. */
import { mount } from 'svelte';
import App from './App.svelte';
import { applyTheme } from './lib/theme.js';
import './app.css';

applyTheme('system');
const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');
mount(App, { target });
