// The admin API's request bodies, checked by hand so a 400 names the exact field the console got wrong.
import { TENANT_ID_PATTERN } from '@skolkonto/contracts';
import type { IssueRequest, IssueScope } from '../issue-codes/issue-codes.service';

export class BadRequestField extends Error {}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SCHOOL_UNIT_CODE = /^\d{8}$/;
const MAX_PERSONS = 2000;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseTenant(value: unknown, field = 'tenant'): string {
  if (typeof value !== 'string' || !TENANT_ID_PATTERN.test(value))
    throw new BadRequestField(`${field}: must be a tenant id`);
  return value;
}

export function parseActor(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > 200)
    throw new BadRequestField(`${field}: must be a non-empty string (at most 200 characters)`);
  return value.trim();
}

export function parseIssueRequest(body: unknown): IssueRequest {
  if (!isRecord(body)) throw new BadRequestField('body: must be a JSON object');
  const tenant = parseTenant(body.tenant);
  const issuedBy = parseActor(body.issuedBy, 'issuedBy');
  let validForDays: number | undefined;
  if (body.validForDays !== undefined) {
    if (
      typeof body.validForDays !== 'number' ||
      !Number.isInteger(body.validForDays) ||
      body.validForDays < 1 ||
      body.validForDays > 90
    ) {
      throw new BadRequestField('validForDays: must be a whole number of days from 1 to 90');
    }
    validForDays = body.validForDays;
  }
  return { tenant, issuedBy, validForDays, scope: parseScope(body.scope) };
}

function parseScope(scope: unknown): IssueScope {
  if (!isRecord(scope))
    throw new BadRequestField("scope: must be an object with kind 'person', 'class' or 'school'");
  switch (scope.kind) {
    case 'person': {
      const ids = scope.identityIds;
      if (!Array.isArray(ids) || ids.length === 0 || ids.length > MAX_PERSONS)
        throw new BadRequestField(`scope.identityIds: must be a list of 1 to ${MAX_PERSONS} identity ids`);
      ids.forEach((id, i) => {
        if (typeof id !== 'string' || !UUID.test(id))
          throw new BadRequestField(`scope.identityIds[${i}]: must be a uuid`);
      });
      return { kind: 'person', identityIds: (ids as string[]).map((id) => id.toLowerCase()) };
    }
    case 'class':
      if (typeof scope.groupId !== 'string' || !UUID.test(scope.groupId))
        throw new BadRequestField('scope.groupId: must be the class group uuid');
      return { kind: 'class', groupId: scope.groupId.toLowerCase() };
    case 'school':
      if (typeof scope.schoolUnitCode !== 'string' || !SCHOOL_UNIT_CODE.test(scope.schoolUnitCode))
        throw new BadRequestField('scope.schoolUnitCode: must be an 8-digit school unit code');
      return { kind: 'school', schoolUnitCode: scope.schoolUnitCode };
    default:
      throw new BadRequestField("scope.kind: must be 'person', 'class' or 'school'");
  }
}
