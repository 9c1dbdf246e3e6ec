/**
 * What the pipeline needs from any source connector. Each connector folder declares one
 * (see registry.ts); the pipeline never knows which vendor it reads.
 */
import type { AttributeDefinition, CanonicalContact, SourceName } from '../core/model.js';

export interface SourcePage<T> {
  records: T[];
  /** Opaque checkpoint that resumes the stream after this page. */
  checkpoint: string;
  last: boolean;
}

export interface SourceConnector {
  readonly name: SourceName;
  /** One cheap call proving the credential works; throws ConfigError when refused. */
  checkConnection(): Promise<void>;
  /** Attribute definitions, for proposals and schema plans. */
  attributes(): Promise<AttributeDefinition[]>;
  /** Contacts from a checkpoint (null = start), page by page. */
  contacts(after: string | null): AsyncIterable<SourcePage<CanonicalContact>>;
  close(): Promise<void>;
}
