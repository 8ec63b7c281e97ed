/**
 * Containers written byte by byte from their published layouts, so fixtures owe nothing to the code under test
 * (Node 20 writes gzip itself, but neither zip nor zstd).
 *
 * - zip: PKWARE APPNOTE.TXT 6.3.10, §4.3.7 local file header, §4.3.12 central directory header, §4.3.16 end of
 *   central directory record; members stored (method 0) or deflated (method 8, raw DEFLATE from zlib).
 * - zstd: RFC 8878 §3.1.1, a frame of Raw blocks (Block_Type 0), which every decoder must read, and one real
 *   compressed frame made by the reference `zstd` tool (below).
 */
import { crc32, deflateRawSync } from 'node:zlib';

export interface ZipMember {
  name: string;
  data: Buffer | string;
  /** 0 stored, 8 deflated (default). */
  method?: 0 | 8;
  /** Overrides the CRC-32 written in both headers (to write a damaged archive). */
  crc?: number;
}

const u16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
};
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};

/** A zip archive holding `members` in order. */
export function zipArchive(members: ZipMember[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  // 2024-01-02 10:00:00 in MS-DOS form (APPNOTE 4.4.6).
  const time = (10 << 11) | (0 << 5) | 0;
  const date = ((2024 - 1980) << 9) | (1 << 5) | 2;
  for (const m of members) {
    const data = Buffer.isBuffer(m.data) ? m.data : Buffer.from(m.data);
    const method = m.method ?? 8;
    const body = method === 8 ? deflateRawSync(data) : data;
    const crc = m.crc ?? crc32(data);
    const name = Buffer.from(m.name, 'utf8');
    const flags = 0x0800; // bit 11: the name is UTF-8
    const local = Buffer.concat([u32(0x04034b50), u16(20), u16(flags), u16(method), u16(time), u16(date), u32(crc), u32(body.length), u32(data.length), u16(name.length), u16(0), name, body]);
    const central = Buffer.concat([
      u32(0x02014b50),
      u16(20), // version made by: MS-DOS, spec 2.0
      u16(20),
      u16(flags),
      u16(method),
      u16(time),
      u16(date),
      u32(crc),
      u32(body.length),
      u32(data.length),
      u16(name.length),
      u16(0), // extra field length
      u16(0), // comment length
      u16(0), // disk number start
      u16(0), // internal attributes
      u32(0), // external attributes
      u32(offset),
      name,
    ]);
    locals.push(local);
    centrals.push(central);
    offset += local.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.concat([u32(0x06054b50), u16(0), u16(0), u16(members.length), u16(members.length), u32(cd.length), u32(offset), u16(0)]);
  return Buffer.concat([...locals, cd, end]);
}

/** A zstd frame of Raw blocks (no compression): magic, a frame header with a 128 KB window, blocks of ≤ 64 KB. */
export function zstdRawFrame(data: Buffer | string): Buffer {
  const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data);
  const magic = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
  // Frame_Header_Descriptor 0: no content size, not single-segment, no checksum, no dictionary;
  // Window_Descriptor: Exponent 7 → window 2^(10+7) = 128 KB.
  const header = Buffer.from([0x00, 7 << 3]);
  const BLOCK = 64 * 1024;
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += BLOCK) chunks.push(bytes.subarray(at, at + BLOCK));
  if (chunks.length === 0) chunks.push(Buffer.alloc(0));
  const blocks = chunks.flatMap((chunk, i) => {
    const h = (i === chunks.length - 1 ? 1 : 0) | (0 << 1) | (chunk.length << 3); // Last_Block, Block_Type Raw, Block_Size
    return [Buffer.from([h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff]), chunk];
  });
  return Buffer.concat([magic, header, ...blocks]);
}

/** The text `zstd -19 --no-check` compressed into ZSTD_COMPRESSED (zstd 1.5, one Compressed block). */
export const ZSTD_TEXT = [
  'Date,Open,High,Low,Close,Volume',
  '2024-01-02,187.15,188.44,183.89,185.64,82488700',
  '2024-01-03,184.22,185.88,183.43,184.25,58414500',
  '2024-01-04,182.15,183.09,180.88,181.91,71983600',
  '2024-01-05,181.99,182.76,180.17,181.18,62303300',
  '2024-01-08,182.09,185.60,181.50,185.56,59144500',
  '2024-01-09,183.92,185.15,182.73,185.14,42841800',
  '',
].join('\n');

export const ZSTD_COMPRESSED = Buffer.from(
  'KLUv/WBAAF0FAAKKHBeATRtAeGJnYZ6r6KEPSURSaG0JZQLQQ0Dmlb+MzFrfYqyvsXV25hlLtg2vTpt73difOtS3NK/4crHlZuU3Nv+7i1mm+3mP3FZf8X2xKzKvX7F1uStuBpoBby6QOFQDHZhIUCNgBRW4KAyBTxIZmEzIEBgoYFRUyANAAg6ZFDyhherxUGMYTNLEUZrVIIy7OIenMWcOhPU6xGPHWEAZm3krWnrZM22NAg==',
  'base64',
);
