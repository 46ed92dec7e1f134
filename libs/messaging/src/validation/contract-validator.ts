// Validates CloudEvents against the contract on every publish and every delivery. The JSON Schema
// generated from the contract classes is compiled with ajv (microseconds per event); when it
// rejects, the class-validator rules give the human-readable reasons. A contract test proves both
// agree (libs/contracts catalog.spec.ts).
import { cloudEventJsonSchema, findEventDefinition, validateCloudEvent } from '@skolkonto/contracts';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

// allErrors off: the fast path only needs yes/no; reasons come from class-validator.
const ajv = new Ajv2020({ strict: false, allErrors: false });
addFormats(ajv);
const compiled = new Map<string, ValidateFunction>();

function validatorFor(type: string): ValidateFunction | undefined {
  let validate = compiled.get(type);
  if (validate) return validate;
  const definition = findEventDefinition(type);
  if (!definition) return undefined;
  validate = ajv.compile(cloudEventJsonSchema(definition));
  compiled.set(type, validate);
  return validate;
}

/** Reasons the value is not a valid event of a known type; empty when it is. */
export function validateEventAgainstContract(value: unknown): string[] {
  const type = typeof value === 'object' && value !== null ? (value as { type?: unknown }).type : undefined;
  const validate = typeof type === 'string' ? validatorFor(type) : undefined;
  if (!validate) return validateCloudEvent(value);
  if (validate(value)) {
    const event = value as { tenant: string; data: { tenant?: unknown } };
    return event.data.tenant !== undefined && event.data.tenant !== event.tenant ? ['tenant extension differs from data.tenant'] : [];
  }
  const reasons = validateCloudEvent(value);
  if (reasons.length) return reasons;
  return (validate.errors ?? []).map((e) => `${e.instancePath.replace(/^\//, '').replace(/\//g, '.') || '(event)'}: ${e.message ?? 'invalid'}`);
}
