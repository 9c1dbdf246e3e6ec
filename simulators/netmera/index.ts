/**
 * The Netmera REST API simulator (see server.ts for behaviour and the order of checks) and
 * the export files it writes (files.ts).
 */
import type { NetmeraSimOptions } from './server.js';

export { REST_PREFIX, startNetmeraSim } from './server.js';
export type { NetmeraSim, NetmeraSimOptions, NetmeraSimStats } from './server.js';
export { APP_ERRORS } from './errors.js';
export { DATA_EXPORT_TYPES, defaultExportAttributes, definitionsOf, fileDate, formatTimestamp, writeNetmeraFiles } from './files.js';
export type { DataExportType, NetmeraFileOptions, NetmeraWrittenFiles, TimestampStyle } from './files.js';
export type { NetmeraLimitOptions } from './limits.js';
export { decodeOffset, encodeOffset } from './paging.js';
export type { OffsetState } from './paging.js';

/** The reading options of `startNetmeraSim`. */
export type NetmeraReadings = Pick<
  NetmeraSimOptions,
  | 'osHeader' | 'osScope' | 'segmentUsersPaging' | 'connectorSegments' | 'devicesInstallationId' | 'deviceTokensShape' | 'deviceTokensTotal'
  | 'lastPage' | 'eventsShape' | 'quotaStatus' | 'pushResultFilterError'
>;

/**
 * The defaults spelled out: what /work/shared/api/netmera.md says, and its first reading of
 * each point it marks [A] (`X-netmera-os` required and per OS, segment members in one
 * answer, installationId on getDevices, no extId on getDeviceTokens, 5022 as a 400).
 */
export const RECORDED_READINGS: Readonly<Required<NetmeraReadings>> = Object.freeze({
  osHeader: 'required',
  osScope: 'filter',
  segmentUsersPaging: 'none',
  connectorSegments: 'plain',
  devicesInstallationId: true,
  deviceTokensShape: 'notes',
  deviceTokensTotal: 'exact',
  lastPage: 'absent',
  eventsShape: 'split',
  quotaStatus: 400,
  pushResultFilterError: 2020,
});

/**
 * The other reading of every open point, mostly as the Netmera developer guide describes the
 * calls where it disagrees with the notes: the OS header neither required nor filtering,
 * getSegmentUsers paged with an opaque offset, connector segments failing with 2001,
 * getDevices without installationId, getDeviceTokens entries with extId and deviceToken and
 * an estimated total, `nextPage: null` on last pages, app/events as one list, 5022 as a 429,
 * and 2009 for a getPushResult without a filter. A client must work under both.
 */
export const ALTERNATE_READINGS: Readonly<Required<NetmeraReadings>> = Object.freeze({
  osHeader: 'optional',
  osScope: 'ignore',
  segmentUsersPaging: 'paged',
  connectorSegments: 'guide',
  devicesInstallationId: false,
  deviceTokensShape: 'guide',
  deviceTokensTotal: 'estimate',
  lastPage: 'null',
  eventsShape: 'list',
  quotaStatus: 429,
  pushResultFilterError: 2009,
});
