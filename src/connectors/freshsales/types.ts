/** Raw Freshsales shapes (read side), validated with zod where the code depends on them. */
import { z } from 'zod';

/** Destination entities with a record API. */
export type Entity = 'contacts' | 'sales_accounts' | 'deals';
/** The JSON wrapper key of one record of an entity. */
export const WRAPPER: Record<Entity, string> = { contacts: 'contact', sales_accounts: 'sales_account', deals: 'deal' };

const Id = z.union([z.number().int(), z.string().regex(/^\d+$/)]).transform((v) => String(v));

/** A record as the API reads it back; unknown keys kept (verification compares them). */
export const FsRecord = z.looseObject({
  id: Id,
  updated_at: z.string().nullish(),
  created_at: z.string().nullish(),
  custom_field: z.record(z.string(), z.unknown()).nullish(),
});
export type FsRecord = z.infer<typeof FsRecord>;

export const FsField = z.looseObject({
  id: z.union([z.number(), z.string()]).transform(String),
  name: z.string(),
  label: z.string(),
  type: z.string(),
  required: z.boolean().nullish(),
  choices: z.array(z.looseObject({ id: z.union([z.number(), z.string()]).nullish(), value: z.string() })).nullish(),
});
export type FsField = z.infer<typeof FsField>;

export const FieldsResponse = z.object({ fields: z.array(FsField) });
export const FiltersResponse = z.object({
  filters: z.array(z.looseObject({ id: z.union([z.number(), z.string()]).transform(String), name: z.string() })),
});
export const Meta = z.looseObject({ total: z.number().int().nullish(), total_pages: z.number().int().nullish() });

export const BulkUpsertResponse = z.looseObject({ job_status_url: z.string().nullish(), message: z.unknown().optional() });
export const JobStatusResponse = z.object({
  job_status: z.looseObject({
    status: z.string(),
    progress: z.number().nullish(),
  }),
});

export const OwnersResponse = z.object({ users: z.array(z.looseObject({ id: Id, email: z.string().nullish(), display_name: z.string().nullish() })) });
export const LifecycleStagesResponse = z.object({
  lifecycle_stages: z.array(z.looseObject({ id: Id, name: z.string(), contact_status_ids: z.array(Id).nullish() })),
});
export const ContactStatusesResponse = z.object({
  contact_statuses: z.array(z.looseObject({ id: Id, name: z.string(), lifecycle_stage_id: Id.nullish() })),
});

/** A task as the API reads it back (only the fields the task phase checks are typed). */
export const FsTask = z.looseObject({
  id: Id,
  title: z.string().nullish(),
  description: z.string().nullish(),
  due_date: z.string().nullish(),
  status: z.union([z.number(), z.string()]).nullish(),
  targetable_type: z.string().nullish(),
  targetable_id: Id.nullish(),
  owner_id: Id.nullish(),
});
export type FsTask = z.infer<typeof FsTask>;
/** `{"task":{...}}` — the answer of a task create or read. */
export const TaskResponse = z.object({ task: FsTask });
/** `{"tasks":[...],"meta":{...}}` — one page of a task listing. */
export const TasksResponse = z.object({ tasks: z.array(FsTask), meta: Meta.nullish() });

/** `GET /api/selector/deal_pipelines`. */
export const DealPipelinesResponse = z.object({
  deal_pipelines: z.array(z.looseObject({ id: Id, name: z.string(), is_default: z.boolean().nullish(), position: z.number().nullish() })),
});
/** `GET /api/selector/deal_stages`: each stage belongs to one pipeline. */
export const DealStagesResponse = z.object({
  deal_stages: z.array(
    z.looseObject({ id: Id, name: z.string(), deal_pipeline_id: Id.nullish(), position: z.number().nullish(), forecast_type: z.string().nullish() }),
  ),
});

/** Status of a bulk job, normalised: vendors' spellings vary ("completed", "success"...). */
export type JobState = 'running' | 'completed' | 'failed';

export function jobState(status: string): JobState {
  const s = status.toLowerCase();
  if (['completed', 'complete', 'success', 'succeeded', 'done', 'finished'].includes(s)) return 'completed';
  if (['failed', 'failure', 'error', 'errored', 'cancelled', 'canceled'].includes(s)) return 'failed';
  return 'running';
}
