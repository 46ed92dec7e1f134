import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { createTestDatabase, TestDatabase } from '@skolkonto/testing';
import { createPrismaClient, Prisma, PrismaClient } from '@skolkonto/persistence';

/**
 * Proves the committed SQL migrations produce the database the generated client expects: every
 * model's table and columns exist, and a row with every scalar field set round-trips unchanged.
 * A model added to prisma/schema without its migration fails here.
 */
interface RuntimeField {
  name: string;
  kind: 'scalar' | 'object' | 'enum';
  type: string;
  dbName?: string | null;
}
interface RuntimeModel {
  dbName: string | null;
  fields: RuntimeField[];
}
interface Column {
  column_name: string;
  data_type: string;
  udt_name: string;
}

const runtimeDataModel = readRuntimeDataModel();

function readRuntimeDataModel(): { models: Record<string, RuntimeModel>; enums: Record<string, { values: Array<{ name: string }> }> } {
  // The generated client carries its data model; reading it keeps this test in step with schema changes.
  const client = createPrismaClient('postgresql://unused@127.0.0.1:1/unused') as unknown as {
    _runtimeDataModel: { models: Record<string, RuntimeModel>; enums: Record<string, { values: Array<{ name: string }> }> };
  };
  return client._runtimeDataModel;
}

function sampleValue(field: RuntimeField, column: Column, enums: typeof runtimeDataModel.enums): unknown {
  const isArray = column.data_type === 'ARRAY';
  const scalarUdt = isArray ? column.udt_name.replace(/^_/, '') : column.udt_name;
  let value: unknown;
  if (field.kind === 'enum') value = enums[field.type].values[0].name;
  else
    switch (field.type) {
      case 'String':
        value = scalarUdt === 'uuid' ? randomUUID() : `value-${field.name.toLowerCase()}-åäö`;
        break;
      case 'Int':
        value = 42;
        break;
      case 'BigInt':
        value = 9_007_199_254_740_993n;
        break;
      case 'Float':
        value = 1.5;
        break;
      case 'Decimal':
        value = new Prisma.Decimal('12.34');
        break;
      case 'Boolean':
        value = true;
        break;
      case 'DateTime':
        value = new Date('2026-06-15T08:30:00.123Z');
        break;
      case 'Json':
        value = { nested: ['å', 1, null], ok: true };
        break;
      case 'Bytes':
        value = new Uint8Array([0, 128, 255]);
        break;
      default:
        throw new Error(`no sample for ${field.type}`);
    }
  return isArray ? [value] : value;
}

function comparable(value: unknown): unknown {
  if (typeof value === 'bigint') return `bigint:${value}`;
  if (value instanceof Date) return `date:${value.toISOString()}`;
  if (value instanceof Uint8Array) return `bytes:${Buffer.from(value).toString('hex')}`;
  if (value && typeof value === 'object' && 'toFixed' in value) return `decimal:${String(value)}`;
  if (Array.isArray(value)) return value.map(comparable);
  return value;
}

describe('migrated schema vs generated client', () => {
  let database: TestDatabase;
  let prisma: PrismaClient;
  let columnsByTable: Map<string, Column[]>;

  beforeAll(async () => {
    database = await createTestDatabase();
    const client = new Client({ connectionString: database.url });
    await client.connect();
    const { rows } = await client.query<Column & { table_name: string }>(
      "SELECT table_name, column_name, data_type, udt_name FROM information_schema.columns WHERE table_schema = 'public'",
    );
    await client.end();
    columnsByTable = new Map();
    for (const row of rows) columnsByTable.set(row.table_name, [...(columnsByTable.get(row.table_name) ?? []), row]);
    // One connection, with foreign-key triggers off, so each model can be written on its own.
    const url = new URL(database.url);
    url.searchParams.set('options', '-c session_replication_role=replica');
    prisma = createPrismaClient(url.toString(), { poolSize: 1 });
  });

  afterAll(async () => {
    await prisma?.$disconnect();
    await database?.drop();
  });

  const models = Object.entries(runtimeDataModel.models);

  it('knows at least one model per owning app', () => {
    expect(models.length).toBeGreaterThanOrEqual(5);
  });

  it.each(models)('%s: table and columns exist and a full row round-trips', async (modelName, model) => {
    const table = model.dbName ?? modelName;
    const columns = columnsByTable.get(table);
    expect(columns).toBeDefined();
    const data: Record<string, unknown> = {};
    for (const field of model.fields.filter((candidate) => candidate.kind !== 'object')) {
      const columnName = field.dbName ?? field.name;
      const column = columns!.find((candidate) => candidate.column_name === columnName);
      if (!column) throw new Error(`${modelName}.${field.name}: column ${table}.${columnName} is missing; add a migration`);
      data[field.name] = sampleValue(field, column, runtimeDataModel.enums);
    }
    const delegateName = modelName[0].toLowerCase() + modelName.slice(1);
    const delegate = (prisma as unknown as Record<string, { create(args: unknown): Promise<unknown>; findMany(): Promise<unknown[]> }>)[delegateName];
    await delegate.create({ data });
    const [stored] = (await delegate.findMany()) as Array<Record<string, unknown>>;
    for (const [key, value] of Object.entries(data)) {
      expect([key, comparable(stored[key])]).toEqual([key, comparable(value)]);
    }
  });
});
