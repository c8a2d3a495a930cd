/** The event catalog is model vocabulary (lib/model/catalog.ts): detection names types without importing events. */
export * from '../model/catalog.js';

/** CloudEvents `type` attribute for a catalog type. */
export const CLOUDEVENT_TYPE_PREFIX = 'io.jobwatch.';
