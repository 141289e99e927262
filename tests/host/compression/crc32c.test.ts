// CRC-32C against published vectors (RFC 3720 B.4, the "123456789" check value) and a plain
// bitwise-table implementation on random data of every length up to 64.
import { randomBytes } from "node:crypto";
import t from "tap";
import { crc32c } from "../../../host/compression/crc32c.js";
import { referenceCrc32c } from "./batch-records.js";

t.equal(crc32c(Buffer.from("123456789")), 0xe3069283, "check value of 123456789");
t.equal(crc32c(Buffer.alloc(0)), 0, "empty input");
t.equal(crc32c(Buffer.alloc(32, 0)), 0x8a9136aa, "RFC 3720: 32 bytes of zeros");
t.equal(crc32c(Buffer.alloc(32, 0xff)), 0x62a8ab43, "RFC 3720: 32 bytes of 0xff");
t.equal(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => i))), 0x46dd794e, "RFC 3720: 32 incrementing bytes");
t.equal(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i))), 0x113fdb5c, "RFC 3720: 32 decrementing bytes");

t.test("matches a bytewise implementation", async (t) => {
  let same = 0;
  for (let n = 0; n <= 64; n++) {
    const b = randomBytes(n);
    if (crc32c(b) === referenceCrc32c(b)) same++;
  }
  const big = randomBytes(1 << 20);
  t.equal(same, 65, "lengths 0-64");
  t.equal(crc32c(big.subarray(3)), referenceCrc32c(big.subarray(3)), "1 MiB at an odd offset");
});
