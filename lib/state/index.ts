export * from './dynamo.js';
export * from './local.js';
export * from './local-dir.js';
export * from './store.js';
export * from './table.js';
export * from './update.js';
