export * from './ports.js';
export * from './chat-exports.js';
export * from './csv-line-endings.js';
export * from './local-store.js';
export * from './s3-store.js';
export * from './sqs-queue.js';
