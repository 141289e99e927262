/** What the AWS KMS provider needs; parsed from `encryption.kms` (type: aws). */
export interface AwsKmsOptions {
  /** AWS region, e.g. eu-west-1 (required: KMS keys live in one region). */
  region: string;
  /** Endpoint override (a VPC endpoint, FIPS endpoint or a local emulator). */
  endpoint?: string;
  /** Explicit credentials; when absent the SDK's default chain is used (env, shared config and
   * credentials files, web identity, ECS container and EC2 instance metadata). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Per-request socket timeout; the caller's deadline (kms.timeoutMs) still applies on top. */
  requestTimeoutMs?: number;
}

/** Commercial, China, GovCloud and ISO partitions: xx-name-N or xx-iso(b|e|f)-name-N. */
export const AWS_REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]+$/;
