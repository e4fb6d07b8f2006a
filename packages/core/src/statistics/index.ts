export * from './components.js';
export * from './report.js';
