// Assertions for the admin unit tests, so they need nothing from node but its test runner.

export function eq(actual: unknown, expected: unknown, what = ""): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what ? what + ": " : ""}got ${a}, want ${e}`);
}

export function ok(cond: unknown, what: string): void {
  if (!cond) throw new Error(what);
}
