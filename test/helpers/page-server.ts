/**
 * A server of one HTML page on its own loopback origin: a page of another origin than the hub,
 * for the tests of CORS, credentials and cookies in a browser.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** The page's server and its origin (`http://127.0.0.1:<port>`). */
export interface PageServer {
  readonly server: Server
  readonly origin: string
  close(): Promise<void>
}

/** Serves `html` at every path of a new loopback origin. */
export async function servePage(html: string): Promise<PageServer> {
  const server = createServer((_, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    server,
    origin,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
