export * from './errors.js';
export * from './config.js';
export * from './auth.js';
export * from './chats.js';
export * from './pagination.js';
export * from './database.js';
export * from './workspace-setup.js';
export * from './demo.js';
