import { KsealError } from "../errors.js";
import { LIMITS } from "../limits.js";

/** Checks a KEK alias: 1 to kmsMaxAliasLength characters, no control characters (they would
 * corrupt listings and logs). Providers add their own rules on top. */
export function checkAlias(alias: string): string {
  if (typeof alias !== "string" || alias.length === 0 || alias.length > LIMITS.kmsMaxAliasLength) {
    throw new KsealError("KMS_ALIAS_INVALID", `alias must be 1 to ${LIMITS.kmsMaxAliasLength} characters`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(alias)) throw new KsealError("KMS_ALIAS_INVALID", "alias holds a control character");
  return alias;
}
