import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

export default defineConfig({
  base: '/',
  plugins: [preact()],
  server: {
    // In development the API server runs separately; in production it serves the built app itself,
    // so the client always calls the same origin. /media holds uploaded files such as avatars.
    proxy: {
      // ws: the chat's WebSocket (/api/v1/ws) goes through the same proxy.
      '/api': { target: 'http://127.0.0.1:8000', ws: true },
      '/media': 'http://127.0.0.1:8000',
    },
  },
});
