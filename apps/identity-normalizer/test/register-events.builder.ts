import { randomUUID } from 'node:crypto';
import type { RegisterEvent } from '../src/normalize-identity/register-event';

/** Builders for SS 12000 records and the register events that carry them (as register-ingest sends them). */
export function civicNumber(date: string, serial: number): string {
  const first11 = date.replace(/-/g, '') + String(serial).padStart(3, '0');
  const digits = first11.slice(2).split('').map(Number);
  const sum = digits.map((d, i) => (i % 2 === 0 ? d * 2 : d)).map((d) => (d > 9 ? d - 9 : d)).reduce((a, b) => a + b, 0);
  return first11 + String((10 - (sum % 10)) % 10);
}

let personSeq = 0;

/** A pupil with a civic number of their own: persons of different tests never correlate by accident. */
export function aPerson(over: Record<string, unknown> = {}): Record<string, unknown> {
  const seq = personSeq++;
  return {
    id: randomUUID(),
    meta: { modified: '2026-08-01T10:00:00Z' },
    givenName: 'Åsa',
    familyName: 'Berg',
    civicNo: { value: civicNumber(`2012-03-${String(1 + (Math.floor(seq / 900) % 28)).padStart(2, '0')}`, 100 + (seq % 900)), nationality: 'SE' },
    securityMarking: 'Ingen',
    personStatus: 'Aktiv',
    emails: [{ value: 'asa.berg@elev.skara.se', type: 'Skola elev' }],
    enrolments: [],
    ...over,
  };
}

export function anEnrolment(organisationId: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return { enroledAt: { id: organisationId }, schoolType: 'GR', schoolYear: 7, startDate: '2026-08-15', endDate: '2027-06-15', ...over };
}

export function aSchoolUnit(over: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: randomUUID(), meta: { modified: '2026-01-01T00:00:00Z' }, displayName: 'Vallhamra skola', organisationType: 'Skolenhet', schoolUnitCode: '12345678', municipalityCode: '1495', ...over };
}

export function aGroup(organisationId: string, members: Array<string | Record<string, unknown>>, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: randomUUID(),
    meta: { modified: '2026-08-10T00:00:00Z' },
    displayName: '7A',
    groupType: 'Klass',
    organisation: { id: organisationId },
    startDate: '2026-08-15',
    groupMemberships: members.map((m) => (typeof m === 'string' ? { person: { id: m }, startDate: '2026-08-15' } : m)),
    ...over,
  };
}

export function aDuty(organisationId: string, personId: string | null, over: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: randomUUID(), meta: { modified: '2026-08-01T00:00:00Z' }, dutyAt: { id: organisationId }, dutyRole: 'Lärare', startDate: '2020-08-01', ...(personId ? { person: { id: personId } } : {}), ...over };
}

export function upserted(tenant: string, entity: RegisterEvent['entity'], record: Record<string, unknown>, over: Partial<RegisterEvent> = {}): RegisterEvent {
  return { eventId: randomUUID(), tenant, entity, verb: 'upserted', observedAt: '2026-08-20T08:00:00Z', record, ...over };
}

export function deleted(tenant: string, entity: RegisterEvent['entity'], id: string): RegisterEvent {
  return { eventId: randomUUID(), tenant, entity, verb: 'deleted', observedAt: '2026-08-20T08:00:00Z', id };
}
