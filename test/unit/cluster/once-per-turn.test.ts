import { describe, expect, it } from 'vitest'
import { oncePerTurn } from '../../../src/cluster/once-per-turn.js'

const nextTurn = () => new Promise((resolve) => setImmediate(resolve))

describe('oncePerTurn', () => {
  it('runs once after the turn however often it is scheduled, and again after another', async () => {
    const batches: number[][] = []
    let queue: number[] = []
    const schedule = oncePerTurn(() => {
      batches.push(queue)
      queue = []
    })
    for (const item of [1, 2, 3]) {
      queue.push(item)
      schedule()
    }
    expect(batches).toEqual([])
    await nextTurn()
    expect(batches).toEqual([[1, 2, 3]])
    queue.push(4)
    schedule()
    await nextTurn()
    expect(batches).toEqual([[1, 2, 3], [4]])
  })
})
