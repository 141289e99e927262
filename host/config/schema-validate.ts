/**
 * Checks a parsed config against config/kseal.schema.json and reports every error with its path
 * (e.g. `encryption.kms.url: required key is missing`).
 *
 * A small validator for the JSON Schema (2020-12) keywords that schema uses: $ref (local),
 * type, enum, const, properties, required, additionalProperties: false, minimum, maximum,
 * minLength, pattern, items, minItems, oneOf, allOf, if/then/else. The schema is the published
 * contract; semantic checks it cannot express (one of exact/prefix/regex, expireMs after
 * refreshMs, files that must exist) stay in the config parsers, which `kseal validate` runs after.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export interface SchemaError {
  /** Dotted path of the offending value ("" = the whole file), with [i] for list items. */
  path: string;
  message: string;
}

type Schema = Record<string, unknown>;

/** config/kseal.schema.json, found from the source tree (tsx) or from build/host (compiled). */
export function schemaPath(): string {
  const candidates = ["../../config/kseal.schema.json", "../../../config/kseal.schema.json"].map((rel) => fileURLToPath(new URL(rel, import.meta.url)));
  return candidates.find((p) => existsSync(p)) ?? candidates[0]!;
}

let cached: Schema | undefined;
export function loadSchema(): Schema {
  cached ??= JSON.parse(readFileSync(schemaPath(), "utf8")) as Schema;
  return cached;
}

export function validateAgainstSchema(value: unknown, schema: Schema = loadSchema()): SchemaError[] {
  const errors: SchemaError[] = [];
  check(value, schema, schema, "", errors);
  return errors;
}

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function typeMatches(v: unknown, t: string): boolean {
  const actual = typeOf(v);
  return actual === t || (t === "number" && actual === "integer");
}

const TYPE_WORDS: Record<string, string> = {
  object: "a mapping", array: "a list", string: "a string", integer: "an integer", number: "a number", boolean: "true or false", null: "null",
};

function join(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  return path === "" ? key : `${path}.${key}`;
}

function resolve(root: Schema, s: Schema): Schema {
  let cur = s;
  for (let i = 0; i < 16 && typeof cur.$ref === "string"; i++) {
    const ref = cur.$ref as string;
    if (!ref.startsWith("#/")) throw new Error(`schema: only local $ref supported, got ${ref}`);
    let target: unknown = root;
    for (const part of ref.slice(2).split("/")) target = (target as Record<string, unknown>)[part];
    if (!target || typeof target !== "object") throw new Error(`schema: unresolved $ref ${ref}`);
    cur = { ...(target as Schema), ...Object.fromEntries(Object.entries(cur).filter(([k]) => k !== "$ref")) };
  }
  return cur;
}

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? s.slice(0, 57) + "..." : s;
}

function closest(word: string, options: string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const o of options) {
    const d = editDistance(word.toLowerCase(), o.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = o;
    }
  }
  return bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

function check(v: unknown, schemaIn: Schema, root: Schema, path: string, errors: SchemaError[]): void {
  const s = resolve(root, schemaIn);
  const at = path === "" ? "(top level)" : path;
  const err = (message: string) => errors.push({ path: at, message });

  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
    if (!types.some((t) => typeMatches(v, t))) {
      err(`must be ${types.map((t) => TYPE_WORDS[t] ?? t).join(" or ")}, got ${TYPE_WORDS[typeOf(v)] ?? typeOf(v)} ${show(v)}`);
      return;
    }
  }
  if (s.const !== undefined && v !== s.const) err(`must be ${show(s.const)}, got ${show(v)}`);
  if (Array.isArray(s.enum) && !s.enum.includes(v)) {
    const hint = typeof v === "string" ? closest(v, s.enum.filter((e): e is string => typeof e === "string")) : undefined;
    err(`must be one of ${s.enum.map(show).join(", ")}, got ${show(v)}${hint ? ` (did you mean ${show(hint)}?)` : ""}`);
  }
  if (typeof v === "string") {
    if (typeof s.minLength === "number" && v.length < s.minLength) err(v.length === 0 ? "must not be empty" : `must be at least ${s.minLength} characters`);
    if (typeof s.pattern === "string" && v.length > 0 && !new RegExp(s.pattern, "u").test(v)) err(`${show(v)} does not have the expected form (${s.pattern})`);
  }
  if (typeof v === "number") {
    if (typeof s.minimum === "number" && v < s.minimum) err(`must be at least ${s.minimum}, got ${v}`);
    if (typeof s.maximum === "number" && v > s.maximum) err(`must be at most ${s.maximum}, got ${v}`);
  }
  if (Array.isArray(v)) {
    if (typeof s.minItems === "number" && v.length < s.minItems) err(`must have at least ${s.minItems} item${s.minItems === 1 ? "" : "s"}`);
    if (s.items && typeof s.items === "object") v.forEach((item, i) => check(item, s.items as Schema, root, join(path, i), errors));
  }
  if (typeOf(v) === "object") {
    const o = v as Record<string, unknown>;
    const props = (s.properties ?? {}) as Record<string, Schema>;
    if (Array.isArray(s.required)) {
      for (const k of s.required as string[]) if (o[k] === undefined) errors.push({ path: join(path, k), message: "required key is missing" });
    }
    for (const [k, val] of Object.entries(o)) {
      if (props[k]) check(val, props[k]!, root, join(path, k), errors);
      else if (s.additionalProperties === false) {
        const hint = closest(k, Object.keys(props));
        errors.push({ path: join(path, k), message: `unknown key${hint ? ` (did you mean ${show(hint)}?)` : ""}; known keys: ${Object.keys(props).join(", ")}` });
      }
    }
  }
  if (Array.isArray(s.allOf)) for (const sub of s.allOf as Schema[]) check(v, sub, root, path, errors);
  if (s.if && typeof s.if === "object") {
    const matched = validateAt(v, s.if as Schema, root, path).length === 0;
    const branch = matched ? s.then : s.else;
    if (branch && typeof branch === "object") check(v, branch as Schema, root, path, errors);
  }
  if (Array.isArray(s.oneOf)) {
    const results = (s.oneOf as Schema[]).map((sub) => validateAt(v, sub, root, path));
    const passing = results.filter((r) => r.length === 0).length;
    if (passing === 0) {
      // Explain through the branch of the value's own type when there is exactly one.
      const sameType = (s.oneOf as Schema[]).map((sub, i) => ({ sub: resolve(root, sub), i })).filter(({ sub }) => sub.type === undefined || typeMatches(v, sub.type as string));
      if (sameType.length === 1) errors.push(...results[sameType[0]!.i]!);
      else {
        const kinds = (s.oneOf as Schema[]).map((sub) => TYPE_WORDS[resolve(root, sub).type as string] ?? "another form");
        err(`must be ${kinds.join(" or ")}, got ${show(v)}`);
      }
    } else if (passing > 1) err("matches more than one allowed form");
  }
}

function validateAt(v: unknown, s: Schema, root: Schema, path: string): SchemaError[] {
  const errors: SchemaError[] = [];
  check(v, s, root, path, errors);
  return errors;
}
