// Turns a contract class (class-validator rules + @Nested/@Describe) into JSON Schema (draft 2020-12
// subset that AsyncAPI 3.0 and ajv both read). The class stays the single source of truth: the
// schema, the AsyncAPI document and the subscriber example all derive from it.
import { getMetadataStorage } from 'class-validator';
import { findDescription, findNested, type ClassConstructor } from './decorators';

export type JsonSchema = { [key: string]: unknown };
type ValidationMetadata = ReturnType<ReturnType<typeof getMetadataStorage>['getTargetValidationMetadatas']>[number];

export interface SchemaOptions {
  /** How a nested class is referenced, e.g. `(name) => '#/components/schemas/' + name`. */
  readonly refFor: (className: string) => string;
}

/** Every class reachable from `root` (itself first) by nesting. */
export function collectSchemaClasses(root: ClassConstructor): ClassConstructor[] {
  const seen = new Set<ClassConstructor>();
  const visit = (ctor: ClassConstructor) => {
    if (seen.has(ctor)) return;
    seen.add(ctor);
    for (const property of Object.keys(groupByProperty(ctor))) {
      const nested = findNested(ctor, property);
      if (nested) visit(nested.type());
    }
  };
  visit(root);
  return [...seen];
}

/** The JSON Schema of one class; nested classes are referenced through `options.refFor`. */
export function toJsonSchema(ctor: ClassConstructor, options: SchemaOptions): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [property, rules] of Object.entries(groupByProperty(ctor))) {
    const optional = rules.some((r) => r.name === 'isOptional');
    let schema = propertySchema(ctor, property, rules, options);
    const description = findDescription(ctor, property);
    if (optional) schema = allowNull(schema);
    else required.push(property);
    properties[property] = description ? { description, ...schema } : schema;
  }
  const description = findDescription(ctor);
  return {
    type: 'object',
    ...(description ? { description } : {}),
    properties,
    ...(required.length ? { required } : {}),
  };
}

/** A self-contained schema: the root class plus every nested class under `$defs`. */
export function toStandaloneJsonSchema(ctor: ClassConstructor, id?: string): JsonSchema {
  const refFor = (name: string) => `#/$defs/${name}`;
  const defs: Record<string, JsonSchema> = {};
  for (const cls of collectSchemaClasses(ctor).slice(1)) defs[cls.name] = toJsonSchema(cls, { refFor });
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    ...(id ? { $id: id } : {}),
    title: ctor.name,
    ...toJsonSchema(ctor, { refFor }),
    ...(Object.keys(defs).length ? { $defs: defs } : {}),
  };
}

function groupByProperty(ctor: ClassConstructor): Record<string, ValidationMetadata[]> {
  const storage = getMetadataStorage();
  const metadata = storage.getTargetValidationMetadatas(ctor, '', true, false);
  return storage.groupByPropertyName(metadata);
}

function propertySchema(ctor: ClassConstructor, property: string, rules: ValidationMetadata[], options: SchemaOptions): JsonSchema {
  const nested = findNested(ctor, property);
  const own: JsonSchema = {};
  const items: JsonSchema = {};
  let isArray = rules.some((r) => r.name === 'isArray') || nested?.each === true;
  for (const rule of rules) {
    const target = rule.each ? items : own;
    if (rule.each) isArray = true;
    applyRule(rule, target);
  }
  if (nested) Object.assign(nested.each ? items : own, { $ref: options.refFor(nested.type().name) });
  if (!isArray) return own;
  delete own.type;
  return { type: 'array', ...own, items: Object.keys(items).length ? items : {} };
}

function applyRule(rule: ValidationMetadata, schema: JsonSchema): void {
  const [c0, c1] = (rule.constraints ?? []) as unknown[];
  switch (rule.name) {
    case 'isString':
      schema.type = 'string';
      break;
    case 'isNotEmpty':
      schema.minLength = Math.max(Number(schema.minLength ?? 0), 1);
      break;
    case 'isInt':
      schema.type = 'integer';
      break;
    case 'isNumber':
      schema.type = 'number';
      break;
    case 'isBoolean':
      schema.type = 'boolean';
      break;
    case 'isObject':
      schema.type = 'object';
      break;
    case 'isUuid':
      Object.assign(schema, { type: 'string', format: 'uuid' });
      break;
    case 'isTimestamp':
      Object.assign(schema, { type: 'string', format: 'date-time' });
      break;
    case 'isDateOnly':
      Object.assign(schema, { type: 'string', format: 'date' });
      break;
    case 'isEmail':
      Object.assign(schema, { type: 'string', format: 'email' });
      break;
    case 'isIn':
      schema.enum = [...(c0 as unknown[])];
      break;
    case 'isEnum':
      schema.enum = Object.values(c0 as object);
      break;
    case 'matches':
      Object.assign(schema, { type: 'string', pattern: (c0 instanceof RegExp ? c0 : new RegExp(String(c0))).source });
      break;
    case 'minLength':
      schema.minLength = c0;
      break;
    case 'maxLength':
      schema.maxLength = c0;
      break;
    case 'isLength':
      schema.minLength = c0;
      if (c1 !== undefined) schema.maxLength = c1;
      break;
    case 'min':
      schema.minimum = c0;
      break;
    case 'max':
      schema.maximum = c0;
      break;
    case 'arrayMinSize':
      schema.minItems = c0;
      break;
    case 'arrayMaxSize':
      schema.maxItems = c0;
      break;
    case 'arrayUnique':
      schema.uniqueItems = true;
      break;
    case 'isArray':
      schema.type = 'array';
      break;
    default:
      // isOptional, isDefined, nested validation and allowances carry no schema keyword of their own.
      break;
  }
}

function allowNull(schema: JsonSchema): JsonSchema {
  if (typeof schema.type === 'string') {
    const copy: JsonSchema = { ...schema, type: [schema.type, 'null'] };
    if (Array.isArray(copy.enum)) copy.enum = [...copy.enum, null];
    return copy;
  }
  return { anyOf: [schema, { type: 'null' }] };
}
