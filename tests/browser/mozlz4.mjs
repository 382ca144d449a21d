// Reads Firefox's .jsonlz4 files (the session store): the magic "mozLz40\0", the decompressed size (32-bit little
// endian), then one LZ4 block (the LZ4 block format: sequences of literals and back-references).
import fs from 'node:fs';

export function readMozLz4(file) {
  const data = fs.readFileSync(file);
  if (data.subarray(0, 8).toString('latin1') !== 'mozLz40\0') throw new Error(`${file} is not a mozLz4 file`);
  const out = Buffer.alloc(data.readUInt32LE(8));
  let i = 12;
  let o = 0;
  const length = (n) => {  // a 4-bit length of 15 continues in the following bytes
    if (n !== 15) return n;
    for (let b = 255; b === 255; n += b) b = data[i++];
    return n;
  };
  while (i < data.length) {
    const token = data[i++];
    const literals = length(token >> 4);
    data.copy(out, o, i, i + literals);
    i += literals;
    o += literals;
    if (i >= data.length) break;
    const offset = data.readUInt16LE(i);
    i += 2;
    const match = length(token & 15) + 4;
    for (let k = 0; k < match; k++, o++) out[o] = out[o - offset];
  }
  return JSON.parse(out.subarray(0, o).toString('utf8'));
}
