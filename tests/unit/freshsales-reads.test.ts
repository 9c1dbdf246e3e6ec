/**
 * Reading Freshsales answers in every recorded form: job statuses flat or wrapped with the
 * `data` string and its failure report, task links as `targetable`, `targetables` or flat keys,
 * and paging that trusts `meta` over a short page.
 */
import { describe, expect, it } from 'vitest';
import { JobStatusResponse, FsTask, jobState, morePages, taskLinkOf, toJobResult } from '../../src/connectors/freshsales/index.js';
import { taskStatusOf } from '../../src/pipeline/tasks.js';

const recorded = {
  status: 'SUCCESS',
  job_type_name: 'Contact bulk upsert',
  created_at: '2021-10-19T00:28:18-06:00',
  status_updated_at: '2021-10-19T00:28:20-06:00',
  progress: 100,
  data: JSON.stringify({
    record_status: { succeeded: 98, failed: 2 },
    detailed_failure_report: [
      { emails: 'Dup@Example.com', error_message: ['Dup@Example.com already exists.'] },
      { mobile_number: '+353871234567', error_message: 'Mobile number is taken' },
    ],
  }),
};

describe('job status answers', () => {
  it('reads the flat recorded form: state, counts and who was refused, keyed by the identifier sent', () => {
    const r = toJobResult(JobStatusResponse.parse(recorded));
    expect(r.state).toBe('completed');
    expect(r.status).toBe('SUCCESS');
    expect([r.succeeded, r.failed]).toEqual([98, 2]);
    expect(r.rejected.get('dup@example.com')).toEqual(['Dup@Example.com already exists.']);
    expect(r.rejected.get('+353871234567')).toEqual(['Mobile number is taken']);
  });

  it('reads the wrapped form and a data object the same way', () => {
    const wrapped = toJobResult(JobStatusResponse.parse({ job_status: { ...recorded, data: JSON.parse(recorded.data) } }));
    expect(wrapped.state).toBe('completed');
    expect(wrapped.rejected.size).toBe(2);
  });

  it('takes unknown or in-progress statuses as not done, and an unreadable data string as no report', () => {
    expect(toJobResult(JobStatusResponse.parse({ status: 'IN_PROGRESS', data: null })).state).toBe('running');
    expect(toJobResult(JobStatusResponse.parse({ status: 'QUEUED_FOR_WORKER' })).state).toBe('running');
    expect(toJobResult(JobStatusResponse.parse({ status: 'SUCCESS', data: '{not json' })).rejected.size).toBe(0);
    expect(jobState('FAILED')).toBe('failed');
    expect(jobState('Partial Success')).toBe('completed');
    expect(JobStatusResponse.safeParse({ progress: 5 }).success).toBe(false);
  });
});

describe('task answers', () => {
  it('finds the link in targetable, targetables or flat keys', () => {
    expect(taskLinkOf(FsTask.parse({ id: 1, targetable: { type: 'contact', id: 4294967297 } }))).toEqual({ type: 'contact', id: '4294967297' });
    expect(taskLinkOf(FsTask.parse({ id: 1, targetables: [{ type: 'Contact', id: '42' }] }))).toEqual({ type: 'contact', id: '42' });
    expect(taskLinkOf(FsTask.parse({ id: 1, targetable_type: 'SalesAccount', targetable_id: 7 }))).toEqual({ type: 'salesaccount', id: '7' });
    expect(taskLinkOf(FsTask.parse({ id: 1 }))).toBeNull();
  });

  it('reads task statuses as numbers or names in any case', () => {
    expect([taskStatusOf(1), taskStatusOf('1'), taskStatusOf('Completed'), taskStatusOf('DONE')]).toEqual([1, 1, 1, 1]);
    expect([taskStatusOf(0), taskStatusOf('Open'), taskStatusOf('weird')]).toEqual([0, 0, null]);
  });
});

describe('paging', () => {
  const page = (n: number, meta: { total?: number; totalPages?: number }) => ({
    records: Array.from({ length: n }, (_, i) => ({ id: String(i) })),
    total: meta.total ?? null,
    totalPages: meta.totalPages ?? null,
  });
  it('follows meta over the page length: a short page is not the end when meta says more', () => {
    expect(morePages(page(25, { totalPages: 4 }), 1, 25)).toBe(true);
    expect(morePages(page(25, { total: 60 }), 1, 25)).toBe(true);
    expect(morePages(page(25, { total: 25 }), 1, 25)).toBe(false);
    expect(morePages(page(100, {}), 1, 100)).toBe(true);
    expect(morePages(page(40, {}), 1, 40)).toBe(false);
  });
});
