// The contracts this app publishes with, in one place.
export { buildEvent, EVENTS, type CloudEvent, type EventDefinition } from '@skolkonto/contracts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuidLike(value: string): boolean {
  return UUID.test(value);
}
