/**
 * A look at a file before LMDB maps it: LMDB trusts what it maps, and the native addon crashes
 * the process (a segmentation fault or a bus error, not an error) on a file that is not an LMDB
 * environment, or one cut short.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'

/**
 * Where the fields checked lie in each of the two meta pages (pages 0 and 1), in the LMDB that the
 * lmdb package builds: a 24-byte page header (it adds a transaction id to LMDB's 16), then the
 * magic number and version, the map's address and size, the two database records (the first
 * holding the page size), the last page used, and the transaction id.
 */
const LMDB_MAGIC = 0xbeefc0de
const MAGIC_OFFSET = 24
const PAGE_SIZE_OFFSET = 48
const LAST_PAGE_OFFSET = 144
const TXN_ID_OFFSET = 152
const META_BYTES = 160

/**
 * Throws unless `path` is missing, empty, or an LMDB environment as long as its meta pages say.
 *
 * @throws {Error} saying what the file is not.
 */
export function assertLmdbFile(path: string): void {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
    throw error
  }
  try {
    const size = fstatSync(fd).size
    if (size === 0) return
    const first = readMeta(fd, 0)
    const pageSize = first?.readUInt32LE(PAGE_SIZE_OFFSET) ?? 0
    const pageSizeOk = pageSize >= 512 && pageSize <= 65_536 && (pageSize & (pageSize - 1)) === 0
    const second = pageSizeOk ? readMeta(fd, pageSize) : undefined
    if (first === undefined || second === undefined) {
      throw new Error('it is not an LMDB file (no LMDB meta pages at its start)')
    }
    // The newer meta page is the one LMDB will use: every page it names must be in the file.
    const newer = first.readBigUInt64LE(TXN_ID_OFFSET) >= second.readBigUInt64LE(TXN_ID_OFFSET)
    const lastPage = (newer ? first : second).readBigUInt64LE(LAST_PAGE_OFFSET)
    if (BigInt(size) < (lastPage + 1n) * BigInt(pageSize)) {
      throw new Error(`it is cut short: ${size} bytes, where LMDB expects ${lastPage + 1n} pages`)
    }
  } finally {
    closeSync(fd)
  }
}

function readMeta(fd: number, position: number): Buffer | undefined {
  const meta = Buffer.alloc(META_BYTES)
  const read = readSync(fd, meta, 0, META_BYTES, position)
  return read === META_BYTES && meta.readUInt32LE(MAGIC_OFFSET) === LMDB_MAGIC ? meta : undefined
}
