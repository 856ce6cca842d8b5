// Child processes of a benchmark run: started, measured from /proc, and all killed on exit.
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { createConnection, createServer } from 'node:net'

const TICKS_PER_SECOND = 100
const children = new Set()

process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL')
})
process.on('SIGINT', () => process.exit(130))

/** Keeps `child` to kill when the run ends, whatever way it ends. */
export function track(child) {
  children.add(child)
  child.once('exit', () => children.delete(child))
  return child
}

/** Kills every child still running: what a run that timed out left behind. */
export function killAll() {
  for (const child of children) child.kill('SIGKILL')
}

/** Stops `child` (SIGTERM lets a profiled Node server write its profile) and waits for it. */
export async function stop(child, signal = 'SIGKILL') {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  // Nginx's workers outlive a killed master, holding their connections and port.
  if (signal === 'SIGKILL') for (const pid of descendants(child.pid)) killQuietly(pid)
  child.kill(signal)
  const killer = setTimeout(() => child.kill('SIGKILL'), 10_000)
  await exited
  clearTimeout(killer)
}

/** SIGKILL to `pid`, which may have exited since it was listed. */
function killQuietly(pid) {
  try {
    process.kill(pid, 'SIGKILL')
  } catch {}
}

/** CPU seconds (user + system, and system alone) and resident memory of `pid` alone. */
export function ownStat(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  const sysSeconds = Number(fields[12]) / TICKS_PER_SECOND
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return {
    cpuSeconds: Number(fields[11]) / TICKS_PER_SECOND + sysSeconds,
    sysSeconds,
    rssKb: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0),
  }
}

/**
 * CPU seconds (user + system, and system alone) and resident memory of a running process and
 * all its descendants (`ssehub serve --workers N` is a primary and N workers).
 */
export function procStat(pid) {
  let cpuSeconds = 0
  let sysSeconds = 0
  let rssKb = 0
  for (const member of [pid, ...descendants(pid)]) {
    try {
      const stat = ownStat(member)
      cpuSeconds += stat.cpuSeconds
      sysSeconds += stat.sysSeconds
      rssKb += stat.rssKb
    } catch (error) {
      // A descendant may exit between the listing and the read; the process itself may not.
      if (member === pid) throw error
    }
  }
  return { cpuSeconds, sysSeconds, rssKb }
}

/** The pids of `pid`'s children (a primary's workers); none once it has exited. */
export function childrenOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number)
  } catch {
    return []
  }
}

function descendants(pid) {
  const found = []
  const queue = [pid]
  while (queue.length > 0) {
    for (const child of childrenOf(queue.shift())) {
      found.push(child)
      queue.push(child)
    }
  }
  return found
}

/** A loopback port nothing listens on right now. */
export async function freePort() {
  const probe = createServer()
  await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address()
  await new Promise((resolve) => probe.close(resolve))
  return port
}

/** Resolves once `port` accepts connections; rejects if `child` exits first. */
export async function waitForPort(port, child) {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`)
    const ok = await new Promise((resolve) => {
      const socket = createConnection(port, '127.0.0.1')
      socket.once('connect', () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
    })
    if (ok) return
    await sleep(50)
  }
  throw new Error(`nothing listens on ${port}`)
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Resolves with the URL an `ssehub serve` child logs once listening; rejects if it exits first. */
export function listeningUrl(child) {
  return new Promise((resolve, reject) => {
    let log = ''
    child.stderr.setEncoding('utf8')
    child.stderr.on('data', (chunk) => {
      log += chunk
      const match = /"msg":"listening","url":"([^"]+)"/.exec(log)
      if (match) resolve(match[1])
    })
    child.once('exit', (code) => reject(new Error(`the server exited with ${code}:\n${log}`)))
  })
}
