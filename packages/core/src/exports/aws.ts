// The AWS adapters, apart from the core index so that only the functions that use them bundle the SDK.
export * from './s3-store.js';
export * from './sqs-queue.js';
