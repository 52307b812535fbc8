import { readFileSync } from "node:fs";

/** fixture reads a JSON file of internal/realtime/testdata/protocol (the Go test says where). */
export function fixture<T = Record<string, unknown>>(name: string): T {
  const dir = process.env.PARLEY_PROTOCOL_FIXTURES || "../../internal/realtime/testdata/protocol";
  return JSON.parse(readFileSync(dir + "/" + name, "utf8")) as T;
}
