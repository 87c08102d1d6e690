import { crc32, deflateRawSync } from 'node:zlib';

/** One entry of a hand-assembled archive; every field a hostile archive might lie in can be set. */
export interface RawEntry {
  name: string | Uint8Array;
  data?: Uint8Array | string;
  /** 0 stored (default), 8 deflate, or any other number (written as is). */
  method?: number;
  /** Bytes written as the entry's data instead of compressing `data`. */
  raw?: Uint8Array;
  /** Declared uncompressed size (default the real one). */
  size?: number;
  /** Declared compressed size (default the real one). */
  compressedSize?: number;
  crc?: number;
  flags?: number;
  /** Unix mode (S_IFLNK…): written as "made by Unix" external attributes. */
  unixMode?: number;
  /** DOS date and time (local); default 2024-05-06 07:08:10. */
  date?: Date;
  /** Info-ZIP extended timestamp (seconds since the epoch) in the central directory. */
  unixTime?: number;
}

/** The parts of a built archive, for tests that damage one of them. */
export interface BuiltZip {
  bytes: Buffer;
  /** Where the central directory starts and the end record starts. */
  centralStart: number;
  endStart: number;
}

function dosTime(d: Date): { time: number; date: number } {
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | (d.getSeconds() >> 1),
    date: ((d.getFullYear() - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}

/** Assembles a zip archive byte by byte, exactly as told (no zip64). */
export function buildZip(entries: RawEntry[], options: { entryCount?: number } = {}): BuiltZip {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = typeof e.name === 'string' ? Buffer.from(e.name, 'utf8') : Buffer.from(e.name);
    const data = typeof e.data === 'string' ? Buffer.from(e.data) : Buffer.from(e.data ?? new Uint8Array(0));
    const method = e.method ?? 0;
    const body = e.raw ? Buffer.from(e.raw) : method === 8 ? deflateRawSync(data) : data;
    const { time, date } = dosTime(e.date ?? new Date(2024, 4, 6, 7, 8, 10));
    const crc = e.crc ?? crc32(data);
    const size = e.size ?? data.length;
    const compressedSize = e.compressedSize ?? body.length;
    const flags = (e.flags ?? 0) | (typeof e.name === 'string' ? 0x800 : 0);
    const extra = e.unixTime === undefined ? Buffer.alloc(0) : Buffer.alloc(9);
    if (e.unixTime !== undefined) {
      extra.writeUInt16LE(0x5455, 0);
      extra.writeUInt16LE(5, 2);
      extra.writeUInt8(1, 4);
      extra.writeInt32LE(e.unixTime, 5);
    }
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(compressedSize, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, body);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(e.unixMode === undefined ? 20 : (3 << 8) | 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(time, 12);
    central.writeUInt16LE(date, 14);
    central.writeUInt32LE(crc >>> 0, 16);
    central.writeUInt32LE(compressedSize, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt16LE(extra.length, 30);
    central.writeUInt32LE(e.unixMode === undefined ? 0 : (e.unixMode << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name, extra);
    offset += 30 + name.length + body.length;
  }
  const central = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(options.entryCount ?? entries.length, 8);
  end.writeUInt16LE(options.entryCount ?? entries.length, 10);
  end.writeUInt32LE(central.length, 12);
  end.writeUInt32LE(offset, 16);
  return { bytes: Buffer.concat([...locals, central, end]), centralStart: offset, endStart: offset + central.length };
}
