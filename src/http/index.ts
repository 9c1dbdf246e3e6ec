/** The HTTP layer: one client, the retry classifier and the multi-window pacer. */
export * from './classify.js';
export * from './pacer.js';
export * from './client.js';
