// Validation on publish and on consume: class-validator rules of the event's data class.
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { findEventDefinition, type EventDefinition } from './catalog';
import { parseEventType, validateEnvelope } from './cloud-event';

/** Reasons `data` is not valid for the event type; empty when it is. Unknown types are a reason too. */
export function validateEvent(type: string, data: unknown): string[] {
  const definition = findEventDefinition(type);
  if (!definition) {
    const parts = parseEventType(type);
    return [parts ? `unknown event version: ${type}` : `unknown event type: ${type}`];
  }
  return validateEventData(definition, data);
}

/** Reasons `data` breaks the definition's rules; empty when valid. */
export function validateEventData(definition: EventDefinition, data: unknown): string[] {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return ['data must be a JSON object'];
  const instance = plainToInstance(definition.dataClass, data);
  const errors = validateSync(instance, { forbidUnknownValues: false, validationError: { target: false, value: false } });
  return flattenErrors(errors);
}

/** Envelope and data in one go: the check a consumer runs on every message. */
export function validateCloudEvent(value: unknown): string[] {
  const reasons = validateEnvelope(value);
  if (reasons.length) return reasons;
  const event = value as { type: string; data: unknown; tenant: string };
  const dataReasons = validateEvent(event.type, event.data);
  if (dataReasons.length) return dataReasons.map((r) => (r.startsWith('unknown event') ? r : `data.${r}`));
  const dataTenant = (event.data as { tenant?: unknown }).tenant;
  if (dataTenant !== undefined && dataTenant !== event.tenant) return ['tenant extension differs from data.tenant'];
  return [];
}

/** Typed instance of the data, or the reasons it is invalid. */
export function parseEventData<T extends object>(
  definition: EventDefinition<T>,
  data: unknown,
): { ok: true; value: T } | { ok: false; reasons: string[] } {
  const reasons = validateEventData(definition as unknown as EventDefinition, data);
  if (reasons.length) return { ok: false, reasons };
  return { ok: true, value: data as T };
}

function flattenErrors(errors: ValidationError[], path = ''): string[] {
  const reasons: string[] = [];
  for (const error of errors) {
    const at = path ? `${path}.${error.property}` : error.property;
    for (const message of Object.values(error.constraints ?? {})) reasons.push(`${at}: ${message}`);
    if (error.children?.length) reasons.push(...flattenErrors(error.children, at));
  }
  return reasons;
}
