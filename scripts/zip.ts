import { inflateRawSync } from 'node:zlib';

export interface ZipEntry {
  name: string;
  compressedBytes: number;
  uncompressedBytes: number;
  /** The entry's content, inflated. */
  read(): Buffer;
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_HEADER_BYTES = 30;

/**
 * Lists a zip's entries from its central directory (enough for the deployment packages serverless-esbuild
 * writes: no zip64, stored or deflated). Used to report bundle sizes and to search packages for secrets.
 */
export function readZipEntries(zip: Buffer): ZipEntry[] {
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === EOCD_SIGNATURE) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip file: no end-of-central-directory record');
  const count = zip.readUInt16LE(eocd + 10);
  let offset = zip.readUInt32LE(eocd + 16);
  const entries: ZipEntry[] = [];
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(offset) !== CENTRAL_SIGNATURE)
      throw new Error(`corrupt central directory at ${offset}`);
    const method = zip.readUInt16LE(offset + 10);
    const compressedBytes = zip.readUInt32LE(offset + 20);
    const uncompressedBytes = zip.readUInt32LE(offset + 24);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const localOffset = zip.readUInt32LE(offset + 42);
    const name = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    entries.push({
      name,
      compressedBytes,
      uncompressedBytes,
      read: () => {
        const localName = zip.readUInt16LE(localOffset + 26);
        const localExtra = zip.readUInt16LE(localOffset + 28);
        const start = localOffset + LOCAL_HEADER_BYTES + localName + localExtra;
        const data = zip.subarray(start, start + compressedBytes);
        if (method === 0) return Buffer.from(data);
        if (method === 8) return inflateRawSync(data);
        throw new Error(`${name}: unsupported compression method ${method}`);
      },
    });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}
