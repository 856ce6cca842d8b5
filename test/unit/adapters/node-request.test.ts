import { describe, expect, it } from 'vitest'
import { decodeHeaderValue } from '../../../src/adapters/node-request.js'

/** What Node hands over for `bytes` in a header: one latin1 character per byte. */
const asNodeReadsIt = (bytes: Buffer) => bytes.toString('latin1')

describe('decodeHeaderValue', () => {
  it('reads UTF-8 bytes as the text they encode', () => {
    expect(decodeHeaderValue(asNodeReadsIt(Buffer.from('naïve-☃-1', 'utf8')))).toBe('naïve-☃-1')
  })

  it('keeps ASCII as it is', () => {
    expect(decodeHeaderValue('urn:uuid:1')).toBe('urn:uuid:1')
  })

  it('keeps bytes that are not UTF-8 as Node read them', () => {
    const latin1 = asNodeReadsIt(Buffer.from([0x63, 0x61, 0x66, 0xe9]))
    expect(decodeHeaderValue(latin1)).toBe('caf\u00e9')
    const truncated = asNodeReadsIt(Buffer.from([0xe2, 0x98]))
    expect(decodeHeaderValue(truncated)).toBe('\u00e2\u0098')
  })

  it('keeps a byte-order mark, part of the value', () => {
    const withBom = asNodeReadsIt(Buffer.from('\ufeffid', 'utf8'))
    expect(decodeHeaderValue(withBom)).toBe('\ufeffid')
  })
})
