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

/** One record a bulk job refused: named by the identifier it was sent with, and why [3P]. */
const FailureReportEntry = z.looseObject({
  error_message: z.union([z.array(z.unknown()), z.string()]).nullish(),
});
/** What a job's `data` JSON string holds: per-record counts and the failure report [3P]. */
export const JobData = z.looseObject({
  record_status: z.looseObject({ succeeded: z.number().nullish(), failed: z.number().nullish() }).nullish(),
  detailed_failure_report: z.array(FailureReportEntry).nullish(),
});
const JobBody = z.looseObject({
  status: z.string(),
  progress: z.union([z.number(), z.string()]).nullish(),
  data: z.unknown().optional(),
});
/** `GET /api/job_statuses/:id`: flat as recorded, or wrapped in `job_status` as one client reads it. */
export const JobStatusResponse = z.union([z.looseObject({ job_status: JobBody }), JobBody]);

/** A bulk job's state and, once it finished, which records it refused and why. */
export interface JobResult {
  state: JobState;
  /** The status exactly as the account wrote it (for messages). */
  status: string;
  /** Records the job reports refused: the identifier value they were sent with (lower case) → reasons. */
  rejected: Map<string, string[]>;
  succeeded: number | null;
  failed: number | null;
}

/** Read a job status answer in either form; `data` may be a JSON string, an object or absent. */
export function toJobResult(body: z.infer<typeof JobStatusResponse>): JobResult {
  const job = 'job_status' in body && typeof body.job_status === 'object' && body.job_status !== null ? (body.job_status as z.infer<typeof JobBody>) : (body as z.infer<typeof JobBody>);
  let data: unknown = job.data;
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data);
    } catch {
      data = null;
    }
  }
  const parsed = JobData.safeParse(data ?? {});
  const rejected = new Map<string, string[]>();
  if (parsed.success) {
    for (const entry of parsed.data.detailed_failure_report ?? []) {
      const reasons = Array.isArray(entry.error_message) ? entry.error_message.map(String) : entry.error_message ? [entry.error_message] : [];
      // The entry names its record by the identifier sent (emails, id, name, or mobile_number).
      for (const key of ['emails', 'email', 'id', 'name', 'mobile_number']) {
        const v = entry[key];
        const value = Array.isArray(v) ? v[0] : v;
        if (typeof value === 'string' || typeof value === 'number') {
          rejected.set(String(value).trim().toLowerCase(), reasons.length > 0 ? reasons : ['refused by the bulk job (no reason given)']);
          break;
        }
      }
    }
  }
  const rs = parsed.success ? parsed.data.record_status : null;
  return { state: jobState(job.status), status: job.status, rejected, succeeded: rs?.succeeded ?? null, failed: rs?.failed ?? null };
}

export const OwnersResponse = z.object({ users: z.array(z.looseObject({ id: Id, email: z.string().nullish(), display_name: z.string().nullish() })) });
export const LifecycleStagesResponse = z.object({
  lifecycle_stages: z.array(z.looseObject({ id: Id, name: z.string(), contact_status_ids: z.array(Id).nullish() })),
});
export const ContactStatusesResponse = z.object({
  contact_statuses: z.array(z.looseObject({ id: Id, name: z.string(), lifecycle_stage_id: Id.nullish() })),
});
const NamedEntry = z.looseObject({ id: Id, name: z.string() });
/** GET /api/selector/lead_sources */
export const LeadSourcesResponse = z.object({ lead_sources: z.array(NamedEntry) });
/** GET /api/selector/campaigns */
export const CampaignsResponse = z.object({ campaigns: z.array(NamedEntry) });

const TaskLink = z.looseObject({ type: z.string().nullish(), id: Id.nullish() });

/**
 * A task as the API reads it back (only the fields the task phase checks are typed). Reads
 * carry the link as `targetable: {type: "contact", id}` (with include=targetable) or a
 * `targetables` list [LIVE]; writes use flat `targetable_type`/`targetable_id`, which some
 * answers may echo. `taskLinkOf` reads whichever is there.
 */
export const FsTask = z.looseObject({
  id: Id,
  title: z.string().nullish(),
  description: z.string().nullish(),
  due_date: z.string().nullish(),
  status: z.union([z.number(), z.string()]).nullish(),
  targetable_type: z.string().nullish(),
  targetable_id: Id.nullish(),
  targetable: TaskLink.nullish(),
  targetables: z.array(TaskLink).nullish(),
  owner_id: Id.nullish(),
});
export type FsTask = z.infer<typeof FsTask>;

/** What a task is linked to, in one form: type lower case without separators (`contact`, `salesaccount`, `deal`). */
export interface TaskLinkRef {
  type: string;
  id: string;
}

/** The link fields a task or sales activity read may carry, in any of its forms. */
export interface LinkedRead {
  targetable_type?: string | null | undefined;
  targetable_id?: string | null | undefined;
  targetable?: { type?: string | null | undefined; id?: string | null | undefined } | null | undefined;
  targetables?: Array<{ type?: string | null | undefined; id?: string | null | undefined }> | null | undefined;
}

/** The link of a task or sales activity read back, from whichever form the answer uses; null when it carries none. */
export function taskLinkOf(t: LinkedRead): TaskLinkRef | null {
  const norm = (type: string) => type.toLowerCase().replace(/[^a-z]/g, '');
  if (t.targetable?.id && t.targetable.type) return { type: norm(t.targetable.type), id: t.targetable.id };
  const first = t.targetables?.find((x) => x.id && x.type);
  if (first?.id && first.type) return { type: norm(first.type), id: first.id };
  if (t.targetable_id && t.targetable_type) return { type: norm(t.targetable_type), id: t.targetable_id };
  return null;
}
/** `{"task":{...}}` — the answer of a task create or read. */
export const TaskResponse = z.object({ task: FsTask });
/** `{"tasks":[...],"meta":{...}}` — one page of a task listing. */
export const TasksResponse = z.object({ tasks: z.array(FsTask), meta: Meta.nullish() });

/**
 * A sales activity as the API reads it back (the fields the timeline phase checks are typed).
 * Nothing about its read shape is recorded, so it is read as tolerantly as a task: the link
 * flat (`targetable_type`/`targetable_id`, as written) or as `targetable {type, id}` or a
 * `targetables` list; ids as numbers or digit strings; start and end in any offset.
 */
export const FsSalesActivity = z.looseObject({
  id: Id,
  title: z.string().nullish(),
  notes: z.string().nullish(),
  start_date: z.string().nullish(),
  end_date: z.string().nullish(),
  sales_activity_type_id: Id.nullish(),
  targetable_type: z.string().nullish(),
  targetable_id: Id.nullish(),
  targetable: TaskLink.nullish(),
  targetables: z.array(TaskLink).nullish(),
  owner_id: Id.nullish(),
  custom_field: z.record(z.string(), z.unknown()).nullish(),
});
export type FsSalesActivity = z.infer<typeof FsSalesActivity>;
/** `{"sales_activity":{...}}` — the answer of a sales activity create or read. */
export const SalesActivityResponse = z.object({ sales_activity: FsSalesActivity });
/** `{"sales_activities":[...],"meta":{...}}` — one page of the sales activity listing. */
export const SalesActivitiesResponse = z.object({ sales_activities: z.array(FsSalesActivity), meta: Meta.nullish() });
/**
 * A note as a create answers it (`{"note":{...}}`, 200 [api/freshsales.md, Notes]): its text and
 * what it hangs on. Read as tolerantly as a task's link: flat keys as written, or `targetable`.
 */
export const FsNote = z.looseObject({
  id: Id,
  description: z.string().nullish(),
  targetable_type: z.string().nullish(),
  targetable_id: Id.nullish(),
  targetable: TaskLink.nullish(),
  targetables: z.array(TaskLink).nullish(),
});
export type FsNote = z.infer<typeof FsNote>;
/** `{"note":{...}}` — the answer of a note create. */
export const NoteResponse = z.object({ note: FsNote });
/** `GET /api/selector/sales_activity_types`. */
export const SalesActivityTypesResponse = z.object({
  sales_activity_types: z.array(z.looseObject({ id: Id, name: z.string(), internal_name: z.string().nullish(), is_default: z.boolean().nullish() })),
});

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
  // Only SUCCESS is recorded; anything unknown is "not done yet", and callers bound the wait.
  const s = status.trim().toLowerCase().replace(/[\s-]+/g, '_');
  if (['completed', 'complete', 'success', 'successful', 'succeeded', 'done', 'finished', 'partial_success', 'completed_with_errors'].includes(s)) return 'completed';
  if (['failed', 'failure', 'error', 'errored', 'cancelled', 'canceled', 'aborted', 'fatal'].includes(s)) return 'failed';
  return 'running';
}
