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
export * from './netmera-types.js';
export {
  NETMERA_DEFAULT_NOW, NETMERA_DEFAULT_USERS, NETMERA_TIME_ZONE, createNetmeraGenerator, generateNetmeraDataset, netmeraDatasetSummary, normaliseNowMs,
} from './netmera-dataset.js';
export type { NetmeraGenerator } from './netmera-dataset.js';
export { CATEGORIES as NETMERA_CATEGORIES, SEGMENT_ID as NETMERA_SEGMENT_ID, TYPICAL_SELECTION as NETMERA_TYPICAL_SELECTION } from './netmera-catalog.js';
export { DEFAULT_DRIFT_RATE, RECALCULATION_HOURS, baseMember, hasInstalledOs, memberAt, segmentMembersAt } from './netmera-segments.js';
export type { SegmentQuery } from './netmera-segments.js';
export { localMidnight } from './netmera-users.js';
export { statsOf as netmeraStatsOf } from './netmera-activity.js';
