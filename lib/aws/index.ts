export * from './bus.js';
export * from './config.js';
export * from './deadline.js';
export * from './observability.js';
