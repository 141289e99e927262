/**
 * Field checks shared by the remote KMS providers' config parsers. Every error names the field
 * under `encryption.kms` so `kseal validate` and `kseal start` point at the bad key.
 */
import { KsealError } from "../errors.js";

export function bad(field: string, detail: string): KsealError {
  return new KsealError("CONFIG_INVALID", `encryption.kms.${field} ${detail}`);
}

export function str(v: unknown, field: string): string {
  if (typeof v !== "string" || v.length === 0) throw bad(field, "must be a non-empty string");
  return v;
}

export function envName(v: unknown, field: string): string {
  const name = str(v, field);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw bad(field, "must be an environment variable name");
  return name;
}

export function mapping(v: unknown, field: string, keys: Set<string>): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw bad(field, "must be a mapping");
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!keys.has(k)) throw bad(`${field}.${k}`, "is not a known key");
  return o;
}

/** An http(s) URL, checked now so a typo fails at start rather than at the first KMS call. */
export function httpUrl(v: unknown, field: string): string {
  const s = str(v, field);
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw bad(field, `is not a URL: ${JSON.stringify(s)}`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") throw bad(field, "must start with http:// or https://");
  return s;
}
