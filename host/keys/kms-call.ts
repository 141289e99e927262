import { KsealError, isKsealError } from "../errors.js";

/**
 * Runs one KMS call with a deadline. Errors that are not KsealErrors (a provider bug, a socket
 * error that slipped through) count as KMS_UNAVAILABLE. A result that arrives after the deadline
 * is handed to `discard` so that late key material gets wiped.
 */
export function callKms<T>(what: string, timeoutMs: number, call: () => Promise<T>, discard?: (late: T) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      reject(new KsealError("KMS_UNAVAILABLE", `${what} did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    let p: Promise<T>;
    try {
      p = call();
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then(
      (v) => {
        if (done) {
          discard?.(v);
          return;
        }
        done = true;
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        reject(isKsealError(e) ? e : new KsealError("KMS_UNAVAILABLE", `${what} failed`, { cause: e }));
      },
    );
  });
}
