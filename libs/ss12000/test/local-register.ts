// A plain node:http server for client tests: each test scripts how the "register" answers, so the
// client is exercised over real HTTP, including the ways real registers misbehave.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

export type Handler = (req: SeenRequest, res: ServerResponse) => unknown;

export class LocalRegister {
  readonly requests: SeenRequest[] = [];
  private handler: Handler = (_req, res) => sendJson(res, 404, { code: 'NOT_FOUND', message: 'no handler' });
  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
  ) {}

  static async start(): Promise<LocalRegister> {
    const holder: { self?: LocalRegister } = {};
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://localhost');
        const seen: SeenRequest = {
          method: req.method ?? 'GET',
          path: url.pathname,
          query: url.searchParams,
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        holder.self!.requests.push(seen);
        Promise.resolve(holder.self!.handler(seen, res)).catch((error) => {
          res.statusCode = 599;
          res.end(String(error));
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    holder.self = new LocalRegister(server, `http://127.0.0.1:${port}`);
    return holder.self;
  }

  handle(handler: Handler): void {
    this.handler = handler;
    this.requests.length = 0;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
