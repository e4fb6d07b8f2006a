export * from './delivery.js';
export * from './ports.js';
export * from './signing.js';
export * from './ssrf.js';
export * from './transport.js';
export * from './dispatch.js';
export * from './attempt.js';
export * from './endpoints.js';
