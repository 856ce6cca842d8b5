import { describe, expect, it } from 'vitest'
import { checkEventsAccess } from '../../../src/http/events-auth.js'
import type { HubRequest } from '../../../src/http/types.js'

const request = {} as HubRequest

describe('checkEventsAccess', () => {
  it("keeps a stream's private topics to its own, however many the hook names", async () => {
    const every = Array.from({ length: 100_000 }, (_, i) => `/users/${i}`)
    const grant = await checkEventsAccess(() => ({ allow: true, privateTopics: every }), request, [
      '/users/7',
      'announcements',
    ])
    expect([...grant.privateTopics]).toEqual(['/users/7'])
  })

  it('takes an expiresAt of Infinity as never, and refuses one already past', async () => {
    const never = await checkEventsAccess(
      () => ({ allow: true, expiresAt: Number.POSITIVE_INFINITY }),
      request,
      ['a'],
    )
    expect(never.expiresAt).toBe(Number.POSITIVE_INFINITY)
    await expect(
      checkEventsAccess(() => ({ allow: true, expiresAt: Date.now() - 1000 }), request, ['a']),
    ).rejects.toMatchObject({ code: 'ERR_SSE_TOKEN_EXPIRED' })
  })

  it("says an expiresAt in seconds (a JWT's exp passed on) is one, not that it has expired", async () => {
    const exp = Math.floor(Date.now() / 1000) + 3600
    await expect(
      checkEventsAccess(() => ({ allow: true, expiresAt: exp }), request, ['a']),
    ).rejects.toThrow(new RegExp(`${exp} looks like seconds`))
  })
})
