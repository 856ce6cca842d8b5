/**
 * Reads a raw event stream with plain `fetch`, for tests that check bytes and framing without
 * the project's own parser.
 */
import { createCondition } from './condition.js'

/** An open stream being read as text. */
export interface RawStream {
  readonly response: Response
  /** All text received so far. */
  text(): string
  /** Resolves once the text received so far matches `pattern` (or rejects after `timeoutMs`). */
  waitFor(pattern: RegExp | string, timeoutMs?: number): Promise<string>
  /** Resolves when the server ends the body. */
  ended: Promise<void>
  close(): void
}

/** Opens `url` with `fetch` and accumulates its body as text. */
export async function openRawStream(
  url: string,
  headers: Record<string, string> = {},
): Promise<RawStream> {
  const controller = new AbortController()
  const response = await fetch(url, { headers, signal: controller.signal })
  let received = ''
  const condition = createCondition()
  const ended = (async () => {
    if (response.body === null) return
    const decoder = new TextDecoder()
    const reader = response.body.getReader()
    try {
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        received += decoder.decode(value, { stream: true })
        condition.changed()
      }
    } catch {
      // aborted by close()
    }
  })()
  const matches = (pattern: RegExp | string) =>
    typeof pattern === 'string' ? received.includes(pattern) : pattern.test(received)
  return {
    response,
    text: () => received,
    ended,
    close: () => controller.abort(),
    async waitFor(pattern, timeoutMs = 5000) {
      const describe = () => `${String(pattern)}; received:\n${received}`
      await condition.until(() => matches(pattern), describe, timeoutMs)
      return received
    },
  }
}
