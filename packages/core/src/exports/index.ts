export * from './ports.js';
export * from './chat-exports.js';
export * from './csv-line-endings.js';
export * from './local-store.js';
