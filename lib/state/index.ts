export * from './dynamo.js';
export * from './local.js';
export * from './store.js';
export * from './table.js';
