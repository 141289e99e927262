/**
 * `kseal validate`: every problem of a config file, each with its path. Order: YAML syntax
 * (with line and column), ${env:}/${file:} substitution, the published JSON Schema (all errors at
 * once), then the parsers' own semantic checks and the TLS files (first error, as start-up would
 * meet it).
 */
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import { isKsealError } from "../errors.js";
import { downstreamServerOptions, upstreamTlsDialer } from "../tls/tls-sockets.js";
import { applyConfig, DEFAULT_CONFIG, type ProxyConfig } from "./proxy-config.js";
import { substitute } from "./schema-substitution.js";
import { validateAgainstSchema, type SchemaError } from "./schema-validate.js";

export interface ConfigCheck {
  errors: SchemaError[];
  config?: ProxyConfig;
}

export function checkConfigText(text: string, opts: { baseDir?: string; env?: NodeJS.ProcessEnv } = {}): ConfigCheck {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  if (doc.errors.length > 0) {
    return {
      errors: doc.errors.map((e) => {
        const pos = e.linePos?.[0] ?? lines.linePos(e.pos[0]);
        return { path: pos ? `line ${pos.line}, column ${pos.col}` : "(YAML)", message: `YAML syntax: ${e.message.split("\n")[0]}` };
      }),
    };
  }
  const raw: unknown = doc.toJS() ?? {};
  const sub = substitute(raw, opts);
  if (sub.errors.length > 0) return { errors: sub.errors };
  const errors = validateAgainstSchema(sub.value);
  if (errors.length > 0) return { errors };
  let config: ProxyConfig;
  try {
    config = applyConfig(DEFAULT_CONFIG, sub.value);
  } catch (e) {
    return { errors: [{ path: "(semantic)", message: isKsealError(e) ? e.message : String(e) }] };
  }
  try {
    if (config.tls) downstreamServerOptions(config.tls);
    if (config.upstreamTls) upstreamTlsDialer(config.upstreamTls);
  } catch (e) {
    return { errors: [{ path: config.tls ? "tls" : "upstreamTls", message: isKsealError(e) ? e.message : String(e) }] };
  }
  return { errors: [], config };
}

export function checkConfigFile(path: string, env?: NodeJS.ProcessEnv): ConfigCheck {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    return { errors: [{ path: "(file)", message: `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}` }] };
  }
  return checkConfigText(text, { baseDir: dirname(path), env });
}

export function formatErrors(file: string, errors: SchemaError[]): string {
  return `${file}: ${errors.length} error${errors.length === 1 ? "" : "s"}\n` + errors.map((e) => `  ${e.path}: ${e.message}\n`).join("");
}
