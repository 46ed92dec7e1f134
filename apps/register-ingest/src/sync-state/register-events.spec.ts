import { validateCloudEvent } from '@skolkonto/contracts';
import { toDeletedEvent, toPlanHeldEvent, toRecordRejectedEvent, toSyncCompletedEvent, toUpsertedEvent } from './register-events';

const now = new Date('2026-11-28T06:00:00.000Z');
const id = '3f1c2a10-6f55-4f6e-9a43-2b1f0c9d8e71';

describe('register-ingest events', () => {
  it.each(['Person', 'Organisation', 'Group', 'Duty'] as const)('builds a valid %s upserted event on its subject', (entityType) => {
    const event = toUpsertedEvent('skara', entityType, { id, meta: { modified: now.toISOString() }, displayName: 'X' }, 'a'.repeat(64), 'delta', now);
    expect(validateCloudEvent(event.payload)).toEqual([]);
    expect(event.subject).toBe(`register.skara.${entityType.toLowerCase()}.upserted`);
    expect(event.payload.subject).toBe(id);
    expect(event.headers['Nats-Msg-Id']).toBe(event.eventId);
  });

  it('builds a valid deleted event', () => {
    const event = toDeletedEvent('essunga', 'Group', id, 'reconcile', now);
    expect(validateCloudEvent(event.payload)).toEqual([]);
    expect(event.subject).toBe('register.essunga.group.deleted');
  });

  it('builds a rejection with code and reason but no record content', () => {
    const event = toRecordRejectedEvent('skara', 'Person', { registerId: id, code: 'INVALID_CIVIC_NUMBER', reason: 'civicNo.value has a wrong check digit' }, now)!;
    expect(validateCloudEvent(event.payload)).toEqual([]);
    expect(event.subject).toBe('ops.skara.record.rejected');
    expect(JSON.stringify(event.payload)).not.toMatch(/\d{10,12}/);
  });

  it('cannot publish a rejection without a uuid to refer to', () => {
    expect(toRecordRejectedEvent('skara', 'Person', { registerId: 'not-a-uuid', code: 'SCHEMA_INVALID', reason: 'id is not a uuid' }, now)).toBeUndefined();
  });

  it('builds a valid held plan with one delete operation per entity', () => {
    const event = toPlanHeldEvent(
      'gotene',
      { planId: id, entityType: 'Person', previousCount: 100, seenCount: 40, minimumShare: 0.8, reason: 'too few' },
      [id, '4f1c2a10-6f55-4f6e-9a43-2b1f0c9d8e71'],
      now,
    );
    expect(validateCloudEvent(event.payload)).toEqual([]);
    expect(event.subject).toBe('ops.gotene.plan.held');
    expect((event.payload.data as { operations: unknown[] }).operations).toHaveLength(2);
  });

  it('announces a completed run under the run id, valid against the contract', () => {
    const event = toSyncCompletedEvent('lidkoping', { runId: id, kind: 'full', startedAt: new Date(now.getTime() - 4000), completedAt: now, changes: 0 });
    expect(validateCloudEvent(event.payload)).toEqual([]);
    expect(event.subject).toBe('register.lidkoping.sync.completed');
    expect(event.eventId).toBe(id);
    expect(event.payload.data).toEqual({ tenant: 'lidkoping', kind: 'full', startedAt: '2026-11-28T05:59:56.000Z', completedAt: now.toISOString(), changes: 0 });
  });
});
