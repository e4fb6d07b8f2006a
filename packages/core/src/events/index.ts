export * from './catalog.js';
export * from './log.js';
export * from './changefeed.js';
