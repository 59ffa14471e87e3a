// The support console: one page app over the support functions (subscriptions, deliveries, resend,
// dead letters), reached through the console server.
import { render } from 'preact';
import { App } from './app';

const root = document.getElementById('app')!;
// The page's "Loading…" placeholder goes; Preact renders into an empty element.
root.textContent = '';
render(<App />, root);
