// The agent API (/api/v1): one fetch wrapper for the whole app. Errors come back as ApiError with
// the server's code and message ({"error":{code,message,request_id}}).

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** onSignedOut is called when a request finds the session gone (401), so the app shows sign-in. */
let signedOut: () => void = () => {};
export function onSignedOut(fn: () => void): void {
  signedOut = fn;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, credentials: "same-origin", headers: {} };
  if (body instanceof FormData) {
    init.body = body;
  } else if (body instanceof Blob) {
    // An upload: the body is the file itself.
    (init.headers as Record<string, string>)["Content-Type"] = body.type || "application/octet-stream";
    init.body = body;
  } else if (body !== undefined) {
    (init.headers as Record<string, string>)["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let res: Response;
  try {
    res = await fetch(path.startsWith("/") ? path : "/api/v1/" + path, init);
  } catch {
    throw new ApiError(0, "network", "Parley cannot be reached. Check your connection.");
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: any = undefined;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  if (!res.ok) {
    const e = data && data.error;
    const err = new ApiError(res.status, (e && e.code) || "http_" + res.status, (e && e.message) || res.statusText, e && e.details);
    if (res.status === 401 && !path.endsWith("session") && !path.endsWith("setup")) signedOut();
    throw err;
  }
  return data as T;
}
