import { render } from 'preact';
import { App } from './app';
import './styles.css';

const root = document.getElementById('app')!;

// A failure outside rendering (e.g. a rejected promise nobody awaited) is
// shown rather than leaving the page silently stuck.
addEventListener('unhandledrejection', (event) => {
  const message = event.reason instanceof Error ? event.reason.message : String(event.reason);
  const banner = document.createElement('div');
  banner.className = 'error fatal';
  banner.setAttribute('role', 'alert');
  banner.textContent = `Unexpected error: ${message}`;
  document.body.prepend(banner);
});

render(<App />, root);
