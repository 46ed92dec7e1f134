import { connect } from 'node:net';

export class EndpointUnreachableError extends Error {
  constructor(
    readonly key: string,
    readonly endpoint: string,
    reason: string,
  ) {
    super(`${key}: cannot reach ${endpoint} (${reason})`);
    this.name = 'EndpointUnreachableError';
  }
}

/** host:port of a URL without credentials, for messages that must not leak passwords. */
export function describeEndpoint(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || defaultPort(parsed.protocol)}`;
  } catch {
    return '(unparseable URL)';
  }
}

function defaultPort(protocol: string): string {
  return { 'nats:': '4222', 'tls:': '4222', 'postgresql:': '5432', 'postgres:': '5432', 'ldaps:': '636', 'ldap:': '389', 'https:': '443', 'http:': '80' }[protocol] ?? '';
}

/** Fails fast at boot when a dependency is not listening, naming the config key and endpoint. */
export async function assertReachable(key: string, url: string, timeoutMs = 3000): Promise<void> {
  const endpoint = describeEndpoint(url.split(',')[0]);
  const [host, port] = [endpoint.slice(0, endpoint.lastIndexOf(':')), Number(endpoint.slice(endpoint.lastIndexOf(':') + 1))];
  await new Promise<void>((resolve, reject) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new EndpointUnreachableError(key, endpoint, `no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.end();
      resolve();
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new EndpointUnreachableError(key, endpoint, error.code ?? error.message));
    });
  });
}
