// The register simulator's admin API as the e2e suite and `npm run bench` call it: JSON in and
// out, bearer token, and an error that names the call and the simulator's answer.
export type SimulatorAdmin = <T>(method: string, path: string, body?: unknown) => Promise<T>;

export function simulatorAdmin(simulatorUrl: string, token: string): SimulatorAdmin {
  return async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${simulatorUrl}/admin${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} /admin${path}: ${response.status} ${text.slice(0, 500)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
}
