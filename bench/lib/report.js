// The benchmark's tables (Markdown, as bench/README.md shows them) and ssehub's ratios.

const fmt = (n, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '-')

const DELIVERY_COLUMNS = [
  ['server', (r) => r.server],
  ['subs', (r) => r.subscribers],
  ['phase', (r) => r.phase],
  ['events', (r) => r.events],
  ['delivered/s', (r) => r.eventsPerSecond],
  ['lost', (r) => r.lost],
  ['CPU s/1M deliveries (µs/delivery)', (r) => fmt(r.usPerDelivery, 2)],
  ['of it kernel', (r) => `${fmt(100 * r.sysShare, 0)} %`],
  ['p50 ms', (r) => fmt(r.p50Ms)],
  ['p99 ms', (r) => fmt(r.p99Ms)],
  ['max ms', (r) => fmt(r.maxMs)],
  ['KB/idle conn', (r) => fmt(r.kbPerIdleConnection)],
  ['KB/conn after', (r) => fmt(r.kbPerConnectionAfter)],
  ['new streams/s', (r) => r.streamsPerSecond],
  ['client CPU s', (r) => fmt(r.clientCpuSeconds, 2)],
]

const STORM_COLUMNS = [
  ['server', (r) => r.server],
  ['subs', (r) => r.subscribers],
  ['phase', (r) => r.phase],
  ['caught up', (r) => r.caughtUp],
  ['time to all caught up ms', (r) => fmt(r.catchUpMs)],
  ['lost', (r) => r.lost],
  ['duplicated', (r) => r.duplicated],
  ['server CPU s', (r) => fmt(r.serverCpuSeconds, 2)],
  ['KB/idle conn', (r) => fmt(r.kbPerIdleConnection)],
  ['new streams/s', (r) => r.streamsPerSecond],
  ['client CPU s', (r) => fmt(r.clientCpuSeconds, 2)],
]

function markdown(columns, rows) {
  const head = `| ${columns.map(([title]) => title).join(' | ')} |`
  const rule = `| ${columns.map(([, , left], i) => (i < 3 || left ? '---' : '--:')).join(' | ')} |`
  return [head, rule, ...rows.map((r) => `| ${columns.map(([, cell]) => cell(r)).join(' | ')} |`)]
}

/** ssehub against each peer on the same scenario, size and phase. */
function ratios(rows) {
  const lines = []
  for (const mine of rows.filter((r) => r.server === 'ssehub')) {
    const peers = rows.filter(
      (r) =>
        r.server !== 'ssehub' &&
        r.scenario === mine.scenario &&
        r.subscribers === mine.subscribers &&
        r.phase === mine.phase,
    )
    for (const peer of peers) {
      const x = (a, b) => `x${fmt(a / b, 2)}`
      lines.push(
        mine.scenario === 'reconnect-storm'
          ? `- ${mine.subscribers} subs, ${mine.phase}: ssehub vs ${peer.server}: catch-up time ${x(mine.catchUpMs, peer.catchUpMs)}, server CPU ${x(mine.serverCpuSeconds, peer.serverCpuSeconds)}`
          : `- ${mine.subscribers} subs, ${mine.phase}: ssehub vs ${peer.server}: CPU/delivery ${x(mine.usPerDelivery, peer.usPerDelivery)}, p99 ${x(mine.p99Ms, peer.p99Ms)}, KB/idle conn ${x(mine.kbPerIdleConnection, peer.kbPerIdleConnection)}, delivered/s ${x(mine.eventsPerSecond, peer.eventsPerSecond)}`,
      )
    }
  }
  return lines
}

/** All tables, one per scenario, each followed by ssehub's ratios (below 1 is better for ssehub, except delivered/s). */
export function report(rows) {
  const out = []
  for (const scenario of [...new Set(rows.map((r) => r.scenario))]) {
    const mine = rows.filter((r) => r.scenario === scenario)
    out.push(`### ${scenario}`, '')
    out.push(...markdown(scenario === 'reconnect-storm' ? STORM_COLUMNS : DELIVERY_COLUMNS, mine))
    const lines = ratios(mine)
    if (lines.length > 0) {
      out.push(
        '',
        'Ratios, ssehub to each peer (below 1 is better for ssehub, except delivered/s):',
      )
      out.push(...lines)
    }
    out.push('')
  }
  return out.join('\n')
}
