// The domain in one import.
export * from './dataset.js';
export * from './errors.js';
export * from './file-meta.js';
export * from './ids.js';
export * from './job.js';
export * from './connection.js';
