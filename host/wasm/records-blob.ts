/**
 * Splits the records field of a Produce request or Fetch response partition (concatenated
 * record batches) into whole batches. Each batch starts with baseOffset int64 and batchLength
 * int32 (bytes after that field). A fetch may end in a truncated batch (the broker cuts at the
 * byte limit): it is returned as `trailing`, to be passed on untouched, never decrypted.
 */
export interface SplitRecords {
  batches: Buffer[];
  trailing: Buffer;
}

const LOG_OVERHEAD = 12;

export function splitRecordBatches(records: Buffer): SplitRecords {
  const batches: Buffer[] = [];
  let off = 0;
  while (records.length - off >= LOG_OVERHEAD) {
    const batchLength = records.readInt32BE(off + 8);
    // A negative length is malformed, not truncated: hand it to the filter, which refuses it.
    const size = batchLength < 0 ? records.length - off : LOG_OVERHEAD + batchLength;
    if (size > records.length - off) break;
    batches.push(records.subarray(off, off + size));
    off += size;
  }
  return { batches, trailing: records.subarray(off) };
}
