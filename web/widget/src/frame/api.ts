// The widget's HTTP calls to /widget/v1/{key}/… (same origin as the frame). The visitor token goes
// in the Authorization header, never in a URL.

import type { Attachment } from "../lib/protocol";

export interface Answer<T = Record<string, unknown>> {
  status: number; // 0: no answer (offline, server down)
  code: string; // the error code, "" on success
  data: T;
}

export class Api {
  constructor(
    private base: string,
    private token: () => string | null,
  ) {}

  private headers(json: boolean): Record<string, string> {
    const h: Record<string, string> = {};
    if (json) h["Content-Type"] = "application/json";
    const t = this.token();
    if (t) h.Authorization = "Visitor " + t;
    return h;
  }

  async call<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<Answer<T>> {
    let res: Response;
    try {
      res = await fetch(this.base + path, {
        method,
        headers: this.headers(body !== undefined),
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "omit",
        cache: "no-store",
      });
    } catch {
      return { status: 0, code: "unavailable", data: {} as T };
    }
    let data: unknown = {};
    try {
      if (res.status !== 204) data = await res.json();
    } catch {
      data = {};
    }
    const err = (data as { error?: { code?: string } }).error;
    return { status: res.status, code: res.ok ? "" : (err && err.code) || "internal", data: data as T };
  }

  /** upload sends a file with progress (0..1); it resolves with the stored attachment. */
  upload(file: File, progress: (f: number) => void): Promise<Answer<{ attachment?: Attachment }>> {
    return new Promise((resolve) => {
      const x = new XMLHttpRequest();
      x.open("POST", this.base + "/attachments?name=" + encodeURIComponent(file.name));
      const h = this.headers(false);
      for (const k in h) x.setRequestHeader(k, h[k]);
      x.setRequestHeader("Content-Type", "application/octet-stream");
      x.upload.onprogress = (e) => e.lengthComputable && progress(e.loaded / e.total);
      x.onload = () => {
        let data: { attachment?: Attachment; error?: { code?: string } } = {};
        try {
          data = JSON.parse(x.responseText);
        } catch {
          // not JSON
        }
        const ok = x.status >= 200 && x.status < 300;
        resolve({ status: x.status, code: ok ? "" : (data.error && data.error.code) || "internal", data });
      };
      x.onerror = () => resolve({ status: 0, code: "unavailable", data: {} });
      x.send(file);
    });
  }

  /** blobURL fetches an attachment with the visitor's header and returns a blob: URL for it. */
  async blobURL(id: number): Promise<string> {
    const res = await fetch(this.base + "/attachments/" + id, { headers: this.headers(false), credentials: "omit" });
    if (!res.ok) throw new Error("attachment " + id + ": " + res.status);
    return URL.createObjectURL(await res.blob());
  }
}
