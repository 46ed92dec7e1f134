// Decorators the contract classes use on top of class-validator. Each one validates (class-validator)
// and records what the JSON Schema generator needs: nested classes and human descriptions.
import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsArray, IsDefined, ValidateBy, ValidateNested, type ValidationOptions } from 'class-validator';

type ClassRef = new () => object;

/** Any class, as class-validator's metadata API takes it. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export type ClassConstructor = Function;

interface NestedInfo {
  readonly type: () => ClassRef;
  readonly each: boolean;
}

const nestedByClass = new Map<ClassConstructor, Map<string, NestedInfo>>();
const descriptionsByClass = new Map<ClassConstructor, Map<string | undefined, string>>();

/** A nested object (or array of them, `each: true`) validated by its own class. */
export function Nested(type: () => ClassRef, options: { each?: boolean } = {}): PropertyDecorator {
  const each = options.each ?? false;
  return (target, propertyKey) => {
    const name = String(propertyKey);
    const byProperty = nestedByClass.get(target.constructor) ?? new Map<string, NestedInfo>();
    byProperty.set(name, { type, each });
    nestedByClass.set(target.constructor, byProperty);
    // ValidateNested passes a missing value; IsDefined does not (and @IsOptional still skips both).
    IsDefined()(target, propertyKey);
    ValidateNested({ each })(target, propertyKey);
    Type(type)(target, name);
    if (each) IsArray()(target, propertyKey);
  };
}

/** Documentation carried into the JSON Schema and AsyncAPI (`description`). */
export function Describe(text: string): ClassDecorator & PropertyDecorator {
  return ((target: object, propertyKey?: string | symbol) => {
    const ctor = (propertyKey === undefined ? target : (target as { constructor: ClassConstructor }).constructor) as ClassConstructor;
    const byProperty = descriptionsByClass.get(ctor) ?? new Map<string | undefined, string>();
    byProperty.set(propertyKey === undefined ? undefined : String(propertyKey), text);
    descriptionsByClass.set(ctor, byProperty);
  }) as ClassDecorator & PropertyDecorator;
}

/** Looks up the nested class of a property, walking the prototype chain (inherited properties). */
export function findNested(ctor: ClassConstructor, property: string): NestedInfo | undefined {
  for (let c: ClassConstructor | null = ctor; c && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
    const info = nestedByClass.get(c)?.get(property);
    if (info) return info;
  }
  return undefined;
}

export function findDescription(ctor: ClassConstructor, property?: string): string | undefined {
  for (let c: ClassConstructor | null = ctor; c && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
    const text = descriptionsByClass.get(c)?.get(property);
    if (text) return text;
    if (property === undefined) return undefined; // class descriptions are not inherited
  }
  return undefined;
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** RFC 3339 date-time with a zone (what `Date#toISOString()` gives); JSON Schema `format: date-time`. */
export function IsTimestamp(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isTimestamp',
      validator: {
        validate: (value) => typeof value === 'string' && TIMESTAMP.test(value) && !Number.isNaN(Date.parse(value)),
        defaultMessage: (args) => `${args?.property} must be an RFC 3339 timestamp with a zone`,
      },
    },
    options,
  );
}

/** A calendar date `YYYY-MM-DD` (SS 12000 start/end dates); JSON Schema `format: date`. */
export function IsDateOnly(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isDateOnly',
      validator: {
        validate: (value) =>
          typeof value === 'string' && DATE_ONLY.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`)),
        defaultMessage: (args) => `${args?.property} must be a date YYYY-MM-DD`,
      },
    },
    options,
  );
}
