// Publishes events to a server under test over HTTP keep-alive, one event per request (for
// every server alike), either as fast as it answers or at a fixed rate.
import { Agent, createServer, request } from 'node:http'
import { sendTimeUs } from './clock.js'

const IN_FLIGHT = 4

/** A publisher to `server` on `port`; event data is "<send time µs> <sequence number>". */
export function createPublisher(port, server) {
  const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT })
  let seq = 0
  const send = (path, headers, body, retried = false) =>
    new Promise((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path, method: 'POST', agent, headers },
        (res) => {
          let text = ''
          res.setEncoding('utf8')
          res.on('data', (chunk) => {
            text += chunk
          })
          res.on('error', reject)
          res.on('end', () =>
            res.statusCode < 300 ? resolve(text) : reject(new Error(`publish: ${res.statusCode}`)),
          )
        },
      )
      req.on('error', (error) => {
        // A kept-alive socket the server closed as this request went out: the server never
        // saw the request, so sending it again cannot publish it twice (Node's documented fix).
        if (req.reusedSocket && error.code === 'ECONNRESET' && !retried) {
          resolve(send(path, headers, body, true))
        } else {
          reject(error)
        }
      })
      req.end(body)
    })
  const publish = (topic) => {
    seq++
    const { path, headers, body } = server.publish(topic, `${sendTimeUs()} ${seq}`)
    return send(path, headers, body)
  }
  return {
    /** The sequence number of the last event published. */
    get seq() {
      return seq
    },
    publish,
    /**
     * Publishes `count` events, `topicOf(i)` each, as fast as the server answers, `inFlight`
     * requests at a time (1 keeps the sequence numbers in order).
     */
    async burst(count, topicOf, inFlight = IN_FLIGHT) {
      let next = 0
      const worker = async () => {
        while (next < count) await publish(topicOf(next++))
      }
      await Promise.all(Array.from({ length: inFlight }, worker))
    },
    /** Publishes `perSecond` events a second for `seconds`, on schedule, whatever the answers. */
    atRate: (perSecond, seconds, topicOf) =>
      onSchedule(perSecond, Math.round(perSecond * seconds), (i) => publish(topicOf(i))),
    close: () => agent.destroy(),
  }
}

/**
 * Calls `publishOne(i)` for i from 0 to `total` - 1, `perSecond` a second, on schedule whatever
 * the answers; resolves when every answer is in.
 */
export async function onSchedule(perSecond, total, publishOne) {
  const started = performance.now()
  const sent = []
  let i = 0
  while (i < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) * perSecond) / 1000))
    for (; i < due; i++) {
      const published = publishOne(i)
      // Handled by the Promise.all below; until then it must not count as unhandled.
      published.catch(() => {})
      sent.push(published)
    }
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
  await Promise.all(sent)
}

/**
 * Runs this process's publishing code hot before anything is measured: the send time an event
 * carries is taken before Node's HTTP client sends it, so a client its JIT has not compiled yet
 * added milliseconds to the first server's latencies (the first server of every run had the
 * worst p99). Publishes to a throwaway server in this process, in a burst and at a rate.
 */
export async function warmUpPublisher() {
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => res.end('ok'))
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const publisher = createPublisher(server.address().port, {
    publish: (topic, data) => ({ path: `/publish?topic=${topic}`, headers: {}, body: data }),
  })
  await publisher.burst(3000, () => 'warm-up')
  await publisher.atRate(500, 2, () => 'warm-up')
  publisher.close()
  await new Promise((resolve) => server.close(resolve))
}
