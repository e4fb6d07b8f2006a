export * from './ports.js';
export * from './jobs.js';
export * from './chat-exports.js';
export * from './run.js';
export * from './csv.js';
export * from './csv-line-endings.js';
export * from './local-store.js';
export * from './delivery.js';
export { exportStatusPath } from './events.js';
