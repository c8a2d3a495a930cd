export * from './catalog.js';
export * from './event-input.js';
export * from './payloads.js';
export * from './snapshot.js';
