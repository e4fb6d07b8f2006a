export * from './components.js';
export * from './report.js';
export * from './time.js';
