/**
 * Reads how much of the WAL is in use from SQLite's wal-index (the `-shm` file), without a SQL
 * statement: the writer checks it after every commit to decide when a checkpoint is due.
 *
 * Format dependency (https://www.sqlite.org/walformat.html, "2.5. The wal-index header"): the
 * file begins with two copies of a 48-byte WalIndexHdr (iVersion u32 at 0, isInit u8 at 12,
 * mxFrame u32 at 16: the last valid frame) followed by WalCkptInfo, whose nBackfill (u32 at 96)
 * counts the frames already copied into the database. Integers are in the host's byte order.
 * iVersion has been 3007000 since WAL mode exists; any other value, or a file too short, makes
 * `readWalIndex` return undefined, and the caller then falls back to SQLite's own automatic
 * checkpoints, so a future format change costs the event-loop stalls again, never data.
 */
import { readSync } from 'node:fs';
import { endianness } from 'node:os';

/** The only wal-index version SQLite has written (WALINDEX_MAX_VERSION). */
const WALINDEX_VERSION = 3007000;
const HEADER_BYTES = 136;

/** The WAL's state from the wal-index header. */
export interface WalIndexState {
  /** Frames in the WAL (each one page), counted from its beginning. */
  mxFrame: number;
  /** Frames of those already copied into the database file. */
  nBackfill: number;
}

const buf = Buffer.alloc(HEADER_BYTES);
const little = endianness() === 'LE';

/**
 * Reads the header from `fd` (the `-shm` file, opened for reading). Returns undefined when the
 * file is shorter than the header, not initialised, or of an unknown version. Throws what
 * `readSync` throws.
 */
export function readWalIndex(fd: number): WalIndexState | undefined {
  const n = readSync(fd, buf, 0, HEADER_BYTES, 0);
  if (n < HEADER_BYTES) return undefined;
  const u32 = (offset: number): number =>
    little ? buf.readUInt32LE(offset) : buf.readUInt32BE(offset);
  if (u32(0) !== WALINDEX_VERSION || buf[12] !== 1) return undefined;
  return { mxFrame: u32(16), nBackfill: u32(96) };
}
