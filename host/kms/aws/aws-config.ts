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
import { bad, envName, httpUrl, str } from "../config-fields.js";
import { AWS_REGION, type AwsKmsOptions } from "./aws-options.js";

/** The parsed section: credentials stay environment variable names until the KMS is opened. */
export interface AwsKmsConfig {
  region: string;
  endpoint?: string;
  credentialsEnv?: { accessKeyIdEnv: string; secretAccessKeyEnv: string; sessionTokenEnv?: string };
}

export const AWS_KMS_KEYS = ["region", "endpoint", "credentials"] as const;
const CRED_KEYS = new Set(["accessKeyIdEnv", "secretAccessKeyEnv", "sessionTokenEnv"]);

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
    opts.endpoint = httpUrl(k.endpoint, "endpoint");
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
