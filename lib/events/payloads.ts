/** The typed payloads are model vocabulary (lib/model/payloads.ts): detection builds them without importing events. */
export * from '../model/payloads.js';
