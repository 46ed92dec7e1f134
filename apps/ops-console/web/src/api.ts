// Talks to the console API: cookies carry the session, the CSRF token goes in a header on every
// state-changing request (double submit).

export interface Operator {
  id: string;
  username: string;
  role: 'viewer' | 'operator' | 'admin';
  tenants: 'all' | string[];
}

let csrfToken: string | undefined;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', 'X-Requested-With': 'skolkonto-console' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  const res = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 204) return undefined as T;
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError(res.status, typeof json.message === 'string' ? json.message : res.statusText);
  return json as T;
}

export async function login(username: string, password: string): Promise<Operator> {
  const result = await request<{ operator: Operator; csrfToken: string }>('POST', '/api/auth/login', { username, password });
  csrfToken = result.csrfToken;
  return result.operator;
}

export async function me(): Promise<Operator | undefined> {
  try {
    const result = await request<{ operator: Operator; csrfToken: string }>('GET', '/api/auth/me');
    csrfToken = result.csrfToken;
    return result.operator;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return undefined;
    throw error;
  }
}

export const logout = () => request<void>('POST', '/api/auth/logout');
export const get = <T>(path: string) => request<T>('GET', path);
export const post = <T>(path: string, body: unknown) => request<T>('POST', path, body);

export function query(params: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) search.set(k, v);
  const s = search.toString();
  return s ? `?${s}` : '';
}
