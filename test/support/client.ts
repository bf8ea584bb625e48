/** A small REST client for tests: real HTTP, returns status and parsed body. */
export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** The error code of a REST error response, whichever of the two error shapes it carries. */
export function errorCode(res: Pick<ApiResponse, 'body'>): string | undefined {
  const error = (res.body as { error?: unknown } | undefined)?.error;
  return typeof error === 'string' ? error : (error as { code?: string } | undefined)?.code;
}

/** Paths outside the /v1 REST surface. */
const unversioned = /^\/(v1|healthz|readyz|metrics|docs|trpc)(\/|$)/;

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly auth: { key?: string; token?: string } = {},
  ) {}

  with(auth: { key?: string; token?: string }) {
    return new ApiClient(this.baseUrl, auth);
  }

  async request<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const h: Record<string, string> = { ...headers };
    if (this.auth.key) h['x-api-key'] = this.auth.key;
    if (this.auth.token) h.authorization = `Bearer ${this.auth.token}`;
    let payload: string | undefined;
    if (body !== undefined) {
      h['content-type'] ??= 'application/json';
      payload = typeof body === 'string' ? body : JSON.stringify(body);
    }
    const res = await fetch(`${this.baseUrl}${unversioned.test(path) ? path : `/v1${path}`}`, {
      method,
      headers: h,
      body: payload,
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* keep text */
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  get<T = any>(path: string) {
    return this.request<T>('GET', path);
  }
  post<T = any>(path: string, body: unknown = {}) {
    return this.request<T>('POST', path, body);
  }
  patch<T = any>(path: string, body: unknown = {}) {
    return this.request<T>('PATCH', path, body);
  }
  put<T = any>(path: string, body: unknown = {}) {
    return this.request<T>('PUT', path, body);
  }
  delete<T = any>(path: string) {
    return this.request<T>('DELETE', path);
  }

  /** POST /v1/revisions/:id/data with {engine, command, ...params} */
  data<T = any>(revisionId: string, engine: string, command: string, params: Record<string, unknown> = {}) {
    return this.post<T>(`/revisions/${revisionId}/data`, { engine, command, ...params });
  }
}
