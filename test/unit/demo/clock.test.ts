import { describe, expect, it } from 'vitest'
import { startClock } from '../../../src/demo/clock.js'
import { createHub } from '../../../src/hub/hub.js'
import { createCondition } from '../../helpers/condition.js'

describe('startClock', () => {
  it.each([0, -5, Number.NaN, Number.POSITIVE_INFINITY, '1000' as unknown as number])(
    'refuses an interval of %s, which would tick every millisecond or never',
    (intervalMs) => {
      const hub = createHub()
      expect(() => startClock(hub, 'clock', intervalMs)).toThrow(TypeError)
      hub.close()
    },
  )

  it('ticks ephemeral events that the history never keeps', async () => {
    const hub = createHub()
    const got: string[] = []
    const ticks = createCondition()
    await hub.subscribe({
      topics: ['clock'],
      deliver: (event) => {
        got.push(event.data)
        ticks.changed()
      },
    })
    const stop = startClock(hub, 'clock', 5)
    await ticks.until(
      () => got.length >= 2,
      () => `${got.length} ticks`,
      5000,
    )
    stop()
    expect(got[0]).toMatch(/^Server time is /)
    expect(hub.historyStats().events).toBe(0)
    hub.close()
  })
})
