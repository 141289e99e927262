// Fuzz findings whose fix lies outside the fuzzing work's files, detected at run time so that the
// tests covering them turn from todo into real tests as soon as the fix lands.
import { crc32c } from "../../../host/compression/index.js";
import { isKsealError } from "../../../host/errors.js";
import { countProduceRecords } from "../../../host/filters/record-batches.js";

/** host/filters/record-batches.ts countProduceRecords lets a batch saying recordsCount 0 but
 * carrying records through, and the filter then forwards it without encrypting it. */
export function produceCountZeroOpen(): boolean {
  const b = Buffer.alloc(70);
  b.writeInt32BE(b.length - 12, 8);
  b[16] = 2;
  b.writeUInt32BE(crc32c(b.subarray(21)), 17);
  try {
    countProduceRecords(b);
    return true;
  } catch (e) {
    return !isKsealError(e);
  }
}
