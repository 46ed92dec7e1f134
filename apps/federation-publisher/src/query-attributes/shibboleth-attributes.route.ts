import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Logger } from '@nestjs/common';
import type { IdpClientAuthenticator } from './idp-client.authenticator';
import { type QueryAttributesService, QueryError, toShibbolethAttributes } from './query-attributes.service';

const PATH = '/v1/idp/attributes';

/** Status, error and reason of each query outcome other than an answer (the Entra controller uses them too). */
export const QUERY_ERRORS: Record<QueryError['code'], [number, string, string]> = {
  UNKNOWN_SP: [403, 'Forbidden', 'unknown-service-provider'],
  UNKNOWN_PRINCIPAL: [404, 'Not Found', 'unknown-principal'],
  NOT_CURRENT: [503, 'Service Unavailable', 'attributes-not-current'],
};

/**
 * Surface 2 for Shibboleth-style IdPs (an HTTP DataConnector): GET /v1/idp/attributes?principal=…&sp=…
 * → the attributes that SP may receive for that principal, after its release policy.
 *
 * Served from node's request event ahead of Express and Nest: an IdP calls it during every login,
 * and Nest's routing, guard, body parser, ETag and two-chunk response cost ~0.4 ms of CPU per request
 * against ~0.05 ms for the answer itself (bench:federation). Errors keep Nest's shape
 * ({ statusCode, error, message } and a `reason` for 403/404/503). Every other request goes to Nest.
 */
export class ShibbolethAttributesRoute {
  private readonly logger = new Logger(ShibbolethAttributesRoute.name);

  constructor(
    private readonly queries: QueryAttributesService,
    private readonly authenticator: IdpClientAuthenticator,
  ) {}

  /** Puts this route in front of the server's existing request listeners (Nest's Express app). */
  mount(server: Server): void {
    const others = server.listeners('request') as Array<(request: IncomingMessage, response: ServerResponse) => void>;
    server.removeAllListeners('request');
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      const url = request.url ?? '';
      const query = url.indexOf('?');
      if ((query === -1 ? url : url.slice(0, query)) === PATH && (request.method === 'GET' || request.method === 'HEAD')) {
        this.handle(request, response, query === -1 ? '' : url.slice(query + 1));
        return;
      }
      for (const listener of others) listener.call(server, request, response);
    });
  }

  private handle(request: IncomingMessage, response: ServerResponse, queryString: string): void {
    const client = this.authenticator.authenticate(request.headers.authorization);
    if ('refused' in client) return send(response, 401, { statusCode: 401, error: 'Unauthorized', message: client.refused });
    const params = new URLSearchParams(queryString);
    const principal = single(params, 'principal');
    if (principal === undefined || principal.trim() === '' || principal.length > 256) {
      return badRequest(response, 'query parameter principal is required (sAMAccountName, UPN, ePPN or objectGUID)');
    }
    const sp = single(params, 'sp');
    if (sp === undefined || sp.trim() === '' || sp.length > 1024) {
      return badRequest(response, 'query parameter sp is required (the service provider entityID)');
    }
    try {
      const answer = this.queries.query({ principal, sp, tenants: client.tenants });
      send(response, 200, { principal, attributes: toShibbolethAttributes(answer.released) });
    } catch (error) {
      if (error instanceof QueryError) {
        const [status, text, reason] = QUERY_ERRORS[error.code];
        return send(response, status, { statusCode: status, error: text, reason, message: error.message });
      }
      // Never the principal or a value: the message of an unexpected error only.
      this.logger.error({ error: error instanceof Error ? error.message : String(error) }, 'attribute query failed');
      send(response, 500, { statusCode: 500, message: 'Internal server error' });
    }
  }
}

/** A parameter given exactly once; a missing or repeated one is a bad request. */
function single(params: URLSearchParams, name: string): string | undefined {
  const values = params.getAll(name);
  return values.length === 1 ? values[0] : undefined;
}

function badRequest(response: ServerResponse, message: string): void {
  send(response, 400, { statusCode: 400, error: 'Bad Request', message });
}

/** Head and body in one write: one TLS record and one syscall per answer. */
function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  response.end(response.req.method === 'HEAD' ? undefined : text);
}
