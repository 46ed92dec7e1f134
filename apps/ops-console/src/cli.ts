// Operator CLI: `npm run console -- create-admin <username>`.
// The password is read from standard input when one is piped in; otherwise a strong one is
// generated and printed once. There is no default password.
import 'reflect-metadata';
import { createPrismaClient } from '@skolkonto/persistence';
import { CreateOperatorService, OperatorError } from './operators/create-operator.service';

const USAGE = 'usage: npm run console -- create-admin <username>   (password from stdin, or generated when stdin is a terminal or empty)';

export async function readStdin(stream: NodeJS.ReadStream = process.stdin): Promise<string> {
  if (stream.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

export async function runCli(argv: string[], env: Record<string, string | undefined>, io: { stdin: () => Promise<string>; out: (line: string) => void; err: (line: string) => void }): Promise<number> {
  const [command, username] = argv;
  if (command !== 'create-admin' || !username) {
    io.err(USAGE);
    return 2;
  }
  if (!env.DATABASE_URL) {
    io.err('DATABASE_URL is not set');
    return 2;
  }
  const prisma = createPrismaClient(env.DATABASE_URL, { poolSize: 1 });
  try {
    const piped = await io.stdin();
    const created = await new CreateOperatorService(prisma).create({ username, role: 'admin', tenants: 'all', password: piped || undefined });
    io.out(`created admin ${created.username}`);
    if (created.generatedPassword) io.out(`password (shown once, store it now): ${created.generatedPassword}`);
    return 0;
  } catch (error) {
    if (error instanceof OperatorError) {
      io.err(error.message);
      return 1;
    }
    throw error;
  } finally {
    await prisma.$disconnect();
  }
}

if (require.main === module) {
  runCli(process.argv.slice(2), process.env, { stdin: () => readStdin(), out: (l) => console.log(l), err: (l) => console.error(l) })
    .then((code) => process.exit(code))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
