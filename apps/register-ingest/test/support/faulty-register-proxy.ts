// A real HTTP proxy in front of the real register simulator that misbehaves on purpose, the way
// broken registers do: a 5xx on a given page, page tokens that never end, records that break the
// spec. Everything else passes through unchanged.
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PageFault {
  /** List path below the tenant base, e.g. '/persons'. */
  path: string;
  /** 1-based page number within one read. */
  page: number;
  /** How many times that page answers with `status` before it works again. */
  times: number;
  status: number;
}

export type RecordRewrite = (path: string, record: Record<string, unknown>) => Record<string, unknown>;

export class FaultyRegisterProxy {
  private server?: Server;
  private readonly pageFaults: PageFault[] = [];
  private endlessPaths = new Set<string>();
  private rewrite?: RecordRewrite;
  /** Page number of the current read per path (a request without pageToken starts a read). */
  private readonly pageOf = new Map<string, number>();
  /** Requests answered with an injected error. */
  injectedErrors = 0;
  /** Requests per path and page, to prove retries happened. */
  readonly requests: { path: string; page: number; status: number }[] = [];

  constructor(private readonly upstream: string) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  failPage(fault: PageFault): void {
    this.pageFaults.push({ ...fault });
  }

  /** Every answer on `path` carries a fresh pageToken: a register that never ends its list. */
  endlessTokens(path: string): void {
    this.endlessPaths.add(path);
  }

  rewriteRecords(rewrite: RecordRewrite | undefined): void {
    this.rewrite = rewrite;
  }

  reset(): void {
    this.pageFaults.length = 0;
    this.endlessPaths.clear();
    this.rewrite = undefined;
    this.requests.length = 0;
    this.injectedErrors = 0;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://proxy');
      const target = new URL(this.upstream.replace(/\/$/, '') + url.pathname + url.search);
      const path = '/' + (url.pathname.split('/').pop() ?? '');
      const hasToken = url.searchParams.has('pageToken');
      const page = hasToken ? (this.pageOf.get(path) ?? 1) + 1 : 1;
      const fault = this.pageFaults.find((f) => f.path === path && f.page === page && f.times > 0);
      if (req.method === 'GET' && fault) {
        fault.times -= 1;
        this.injectedErrors += 1;
        this.requests.push({ path, page, status: fault.status });
        res.writeHead(fault.status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'injected' }));
        return;
      }
      if (req.method === 'GET') this.pageOf.set(path, page);
      if (this.endlessPaths.has(path) && hasToken) {
        // The upstream does not know our invented tokens: serve an empty page with yet another one.
        this.requests.push({ path, page, status: 200 });
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: [], pageToken: `endless-${page}` }));
        return;
      }
      const body = await readBody(req);
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(req.headers)) {
        if (typeof value === 'string' && !['host', 'content-length', 'connection'].includes(key)) headers[key] = value;
      }
      const upstream = await fetch(target, { method: req.method, headers, body: body.length ? body : undefined });
      let text = await upstream.text();
      if (req.method === 'GET' && upstream.ok && (this.endlessPaths.has(path) || this.rewrite)) {
        const json = JSON.parse(text) as { data?: unknown; pageToken?: string | null };
        if (this.endlessPaths.has(path)) json.pageToken = `endless-${page}`;
        if (this.rewrite && Array.isArray(json.data)) {
          json.data = (json.data as Record<string, unknown>[]).map((record) => this.rewrite!(path, record));
        }
        text = JSON.stringify(json);
      }
      this.requests.push({ path, page, status: upstream.status });
      const contentType = upstream.headers.get('content-type') ?? 'application/json';
      res.writeHead(upstream.status, { 'content-type': contentType }).end(text);
    } catch (error) {
      res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ error: (error as Error).message }));
    }
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
