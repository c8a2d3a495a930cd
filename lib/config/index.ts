export * from './load.js';
export * from './refs.js';
export * from './schema.js';
export * from './secrets.js';
