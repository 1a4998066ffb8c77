// Calls the API app in-process with a key (no server): JSON in, status and parsed JSON out.

export type ApiCall = (method: string, route: string, body?: unknown) => Promise<{ status: number; body: any }>;

export function inProcessApi(app: { fetch(req: Request): Response | Promise<Response> }, key: string, onText?: (text: string) => void): ApiCall {
  return async (method, route, body) => {
    const res = await app.fetch(
      new Request(`http://loupe.test${route}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    );
    const text = await res.text();
    onText?.(text);
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
}
