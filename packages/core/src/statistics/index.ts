export * from './components.js';
export * from './report.js';
export * from './time.js';
export * from './assistants.js';
export * from './inbox.js';
export * from './export.js';
export * from './rollup.js';
