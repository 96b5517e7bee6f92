import { render } from 'preact';
import { configureAuth } from './api';
import { App } from './app';
import { expireSession, token } from './session';
import './styles.css';

configureAuth({ token: () => token.get(), onRejected: expireSession });

render(<App />, document.getElementById('app')!);
