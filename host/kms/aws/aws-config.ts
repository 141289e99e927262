/**
 * `encryption.kms` with `type: aws`:
 *   kms:
 *     type: aws
 *     region: eu-west-1
 *     endpoint: https://kms.eu-west-1.amazonaws.com   # optional override (VPC endpoint, emulator)
 *     credentials:                    # optional; default: the SDK's chain (env, files, web
 *       accessKeyIdEnv: NAME          # identity, container and instance metadata)
 *       secretAccessKeyEnv: NAME
 *       sessionTokenEnv: NAME         # optional
 * Keys are taken from environment variables only, never written in the config file.
 */
import { KsealError } from "../../errors.js";
import { AWS_REGION, type AwsKmsOptions } from "./aws-options.js";

/** The parsed section: credentials stay environment variable names until the KMS is opened. */
export interface AwsKmsConfig {
  region: string;
  endpoint?: string;
  credentialsEnv?: { accessKeyIdEnv: string; secretAccessKeyEnv: string; sessionTokenEnv?: string };
}

export const AWS_KMS_KEYS = ["region", "endpoint", "credentials"] as const;
const CRED_KEYS = new Set(["accessKeyIdEnv", "secretAccessKeyEnv", "sessionTokenEnv"]);

function bad(field: string, detail: string): KsealError {
  return new KsealError("CONFIG_INVALID", `encryption.kms.${field} ${detail}`);
}

function str(v: unknown, field: string): string {
  if (typeof v !== "string" || v.length === 0) throw bad(field, "must be a non-empty string");
  return v;
}

function envName(v: unknown, field: string): string {
  const name = str(v, field);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw bad(field, "must be an environment variable name");
  return name;
}

function fromEnv(env: NodeJS.ProcessEnv, name: string, field: string): string {
  const value = env[name];
  if (!value) throw bad(field, `names ${name}, which is not set or empty`);
  return value;
}

/** The provider's options, reading the credentials' environment variables now. */
export function awsKmsOptions(c: AwsKmsConfig, env: NodeJS.ProcessEnv = process.env): AwsKmsOptions {
  const o: AwsKmsOptions = { region: c.region, endpoint: c.endpoint };
  const e = c.credentialsEnv;
  if (e) {
    o.credentials = {
      accessKeyId: fromEnv(env, e.accessKeyIdEnv, "credentials.accessKeyIdEnv"),
      secretAccessKey: fromEnv(env, e.secretAccessKeyEnv, "credentials.secretAccessKeyEnv"),
      sessionToken: e.sessionTokenEnv === undefined ? undefined : fromEnv(env, e.sessionTokenEnv, "credentials.sessionTokenEnv"),
    };
  }
  return o;
}

export function parseAwsKmsConfig(k: Record<string, unknown>): AwsKmsConfig {
  const region = str(k.region, "region");
  if (!AWS_REGION.test(region)) throw bad("region", `${JSON.stringify(region)} is not an AWS region name`);
  const opts: AwsKmsConfig = { region };
  if (k.endpoint !== undefined) {
    const e = str(k.endpoint, "endpoint");
    let u: URL;
    try {
      u = new URL(e);
    } catch {
      throw bad("endpoint", `is not a URL: ${JSON.stringify(e)}`);
    }
    if (u.protocol !== "http:" && u.protocol !== "https:") throw bad("endpoint", "must start with http:// or https://");
    opts.endpoint = e;
  }
  if (k.credentials !== undefined) {
    const c = k.credentials;
    if (typeof c !== "object" || c === null || Array.isArray(c)) throw bad("credentials", "must be a mapping");
    const o = c as Record<string, unknown>;
    for (const key of Object.keys(o)) if (!CRED_KEYS.has(key)) throw bad(`credentials.${key}`, "is not a known key (accessKeyIdEnv, secretAccessKeyEnv, sessionTokenEnv)");
    opts.credentialsEnv = {
      accessKeyIdEnv: envName(o.accessKeyIdEnv, "credentials.accessKeyIdEnv"),
      secretAccessKeyEnv: envName(o.secretAccessKeyEnv, "credentials.secretAccessKeyEnv"),
      sessionTokenEnv: o.sessionTokenEnv === undefined ? undefined : envName(o.sessionTokenEnv, "credentials.sessionTokenEnv"),
    };
  }
  return opts;
}
