/**
 * `${env:NAME}` and `${file:path}` in config string values, replaced before validation so that
 * secrets (tokens, passphrases, hosts per environment) stay out of the file.
 *
 * - Only values are substituted, never keys. `$${` stands for a literal `${`.
 * - `${file:path}`: the file's text without one trailing newline; a relative path is relative to
 *   the config file's directory.
 * - A value that is exactly one placeholder and yields an integer or true/false takes that type,
 *   so `bootstrapPort: ${env:KSEAL_PORT}` is a number.
 * Errors name the value's path and the variable or file, never the substituted text.
 */
import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import type { SchemaError } from "./schema-validate.js";

const PLACEHOLDER = /\$\$\{|\$\{(env|file):([^}]*)\}/g;

export interface SubstitutionOptions {
  env?: NodeJS.ProcessEnv;
  /** Directory relative file paths are resolved against (the config file's). */
  baseDir?: string;
  readFile?: (path: string) => string;
}

export function substitute(value: unknown, opts: SubstitutionOptions = {}): { value: unknown; errors: SchemaError[] } {
  const errors: SchemaError[] = [];
  const env = opts.env ?? process.env;
  const read = opts.readFile ?? ((p: string) => readFileSync(p, "utf8"));
  const walk = (v: unknown, path: string): unknown => {
    if (typeof v === "string") return substituteString(v, path);
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${path}[${i}]`));
    if (v !== null && typeof v === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = walk(x, path === "" ? k : `${path}.${k}`);
      return out;
    }
    return v;
  };
  const substituteString = (s: string, path: string): unknown => {
    if (!s.includes("${")) return s;
    let failed = false;
    const whole = /^\$\{(env|file):[^}]*\}$/.test(s);
    const out = s.replace(PLACEHOLDER, (m, kind: string | undefined, arg: string | undefined) => {
      if (m === "$${") return "${";
      const name = (arg ?? "").trim();
      if (kind === "env") {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
          errors.push({ path, message: `\${env:${name}}: not an environment variable name` });
          failed = true;
          return "";
        }
        const val = env[name];
        if (val === undefined) {
          errors.push({ path, message: `\${env:${name}}: environment variable ${name} is not set` });
          failed = true;
          return "";
        }
        return val;
      }
      if (name === "") {
        errors.push({ path, message: "${file:}: no file path" });
        failed = true;
        return "";
      }
      const file = isAbsolute(name) ? name : resolve(opts.baseDir ?? process.cwd(), name);
      try {
        return read(file).replace(/\r?\n$/, "");
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        errors.push({ path, message: `\${file:${name}}: cannot read ${file}${code ? ` (${code})` : ""}` });
        failed = true;
        return "";
      }
    });
    if (failed) return s;
    if (whole) {
      if (/^-?\d+$/.test(out) && Number.isSafeInteger(Number(out))) return Number(out);
      if (out === "true") return true;
      if (out === "false") return false;
    }
    return out;
  };
  return { value: walk(value, ""), errors };
}
