import { describe, expect, it } from 'vitest'
import { createHub } from '../../../src/hub/hub.js'
import type { HubEvent, Subscriber } from '../../../src/hub/types.js'

function ruleRecorder(
  topics: string[],
  matchesTopic: (topic: string) => boolean,
): Subscriber & { data: string[] } {
  const data: string[] = []
  return { topics, matchesTopic, data, deliver: (e: HubEvent) => data.push(e.data) }
}

describe('hub: subscribers by rule', () => {
  it('delivers events whose topic the rule accepts, and not others', async () => {
    const hub = createHub()
    const books = ruleRecorder([], (topic) => topic.startsWith('/books/'))
    await hub.subscribe(books)
    await hub.publish('/books/1', { data: 'book' })
    await hub.publish('/authors/1', { data: 'author' })
    expect(books.data).toEqual(['book'])
  })

  it('delivers once to a subscriber matched both by name and by rule, over several topics', async () => {
    const hub = createHub()
    const both = ruleRecorder(['a'], (topic) => topic === 'a' || topic === 'b')
    await hub.subscribe(both)
    await hub.publish(['a', 'b'], { data: 'ab' })
    await hub.publish('b', { data: 'b' })
    expect(both.data).toEqual(['ab', 'b'])
  })

  it('asks the rule of every topic of an event, alternates included', async () => {
    const hub = createHub()
    const alternate = ruleRecorder([], (topic) => topic === 'alt')
    await hub.subscribe(alternate)
    await hub.publish(['canonical', 'alt'], { data: 'x' })
    expect(alternate.data).toEqual(['x'])
  })

  it('replays by rule, and stops delivering once unsubscribed', async () => {
    const hub = createHub()
    const { id } = await hub.publish('/books/0', { data: 'before' })
    await hub.publish('/books/1', { data: 'missed' })
    await hub.publish('/other', { data: 'other' })
    const books = ruleRecorder([], (topic) => topic.startsWith('/books/'))
    const subscription = await hub.subscribe(books, { lastEventId: id })
    expect(books.data).toEqual(['missed'])
    subscription.unsubscribe()
    await hub.publish('/books/2', { data: 'after' })
    expect(books.data).toEqual(['missed'])
  })

  it('treats a rule that throws as no match, and still delivers to the others', async () => {
    const hub = createHub()
    const broken = ruleRecorder([], () => {
      throw new Error('boom')
    })
    const fine = ruleRecorder(['t'], () => false)
    await hub.subscribe(broken)
    await hub.subscribe(fine)
    await hub.publish('t', { data: 'x' })
    expect(broken.data).toEqual([])
    expect(fine.data).toEqual(['x'])
  })

  it('asks a rule only about topics that begin with its prefix, live and in a replay', async () => {
    const hub = createHub()
    const asked: string[] = []
    const rule = (topic: string) => {
      asked.push(topic)
      return true
    }
    const { id } = await hub.publish('/books/0', { data: 'first' })
    await hub.publish(['/authors/1', '/books/1'], { data: 'missed' })
    await hub.publish('/authors/2', { data: 'author' })
    const books = { ...ruleRecorder([], rule), topicPrefix: '/books/' }
    await hub.subscribe(books, { lastEventId: id })
    await hub.publish('/books/2', { data: 'live' })
    await hub.publish('/authors/3', { data: 'author' })
    expect(books.data).toEqual(['missed', 'live'])
    expect(asked).toEqual(['/books/1', '/books/2'])
  })

  it('asks a rule shared by many subscribers once per event, and delivers to all', async () => {
    const hub = createHub()
    let asked = 0
    const rule = (topic: string) => {
      asked++
      return topic.startsWith('/books/')
    }
    const readers = Array.from({ length: 50 }, () => ruleRecorder([], rule))
    for (const reader of readers) await hub.subscribe(reader)
    await hub.publish('/books/1', { data: 'book' })
    expect(asked).toBe(1)
    expect(readers.every((reader) => reader.data.join() === 'book')).toBe(true)
  })

  it('delivers to subscribers by name and by rule alike with a rule subscriber present', async () => {
    const hub = createHub()
    const everything = ruleRecorder([], () => true)
    const named = ruleRecorder(['t'], () => false)
    const plain = { ...ruleRecorder(['t'], () => false), matchesTopic: undefined }
    await hub.subscribe(everything)
    await hub.subscribe(named)
    await hub.subscribe(plain)
    await hub.publish('t', { data: 'one' })
    await hub.publish(['t', 'u'], { data: 'two' })
    expect([everything.data, named.data, plain.data]).toEqual([
      ['one', 'two'],
      ['one', 'two'],
      ['one', 'two'],
    ])
  })

  it('knows the id of the newest event', async () => {
    const hub = createHub()
    expect(hub.lastEventId).toBeUndefined()
    await hub.publish('t', { data: '1' })
    const { id } = await hub.publish('t', { data: '2' })
    expect(hub.lastEventId).toBe(id)
  })
})
