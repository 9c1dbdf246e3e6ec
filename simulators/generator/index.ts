/**
 * Seeded data generators for the source simulators. Xtremepush for now; each source
 * gets its own module and raw types.
 */
export * from './types.js';
export { DEFAULT_NOW, createXtremepushGenerator, datasetSummary, generateXtremepushDataset, normaliseNow } from './xtremepush-dataset.js';
export { DATASET_LINE_KINDS, DatasetFileError, datasetFromJsonl, datasetFromJsonlText, inferAttributeType } from './jsonl-dataset.js';
export type { DatasetLineKind, JsonlDatasetOptions } from './jsonl-dataset.js';
export type { ProfileActivity, XtremepushGenerator } from './xtremepush-dataset.js';
export { MESS_RATES } from './plan.js';
export { segmentMatches, compareScalars, asNumber } from './segment-rules.js';
export { MESSAGE_STATUS_CODE, TAG_VOCABULARY } from './activity.js';
export { CAMPAIGN_STATUS_CODE, CAMPAIGN_TYPE_CODE } from './catalog.js';
