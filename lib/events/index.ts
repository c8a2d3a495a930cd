export * from './build.js';
export * from './fingerprint.js';
export * from './payloads.js';
export * from './schema.js';
export * from './types.js';
