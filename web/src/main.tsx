import { render } from 'preact';
import { App } from './app/App';
import { configureAuth } from './core/http';
import { expireSession, token } from './core/session';
// After the features' style sheets (app/features.ts): the shared base wins a tie.
import './core/styles.css';

configureAuth({ token: () => token.get(), onRejected: expireSession });

render(<App />, document.getElementById('app')!);
