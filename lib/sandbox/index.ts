export * from './clock.js';
export * from './faults.js';
export * from './server.js';
export * from './types.js';
