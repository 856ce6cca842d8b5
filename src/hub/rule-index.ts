/**
 * Subscribers by rule (Mercure's URI templates, `*`), found for an event's topics without asking
 * every rule.
 */
import type { Subscriber } from './types.js'

/** Whether a topic is one a subscriber asked for by rule. */
export type TopicRule = (topic: string) => boolean

/** Subscribers sharing one rule and one prefix: the rule is asked once for all of them. */
interface RuleGroup {
  readonly rule: TopicRule
  /**
   * Each member with its exact topics: an event on one of those has reached it through the
   * topic index already.
   */
  readonly members: Map<Subscriber, ReadonlySet<string>>
}

/**
 * The rules of subscribers, by the prefix every topic they accept begins with (a URI template's
 * literal start), then by rule.
 *
 * A topic cannot be looked up in a rule the way it is in a set of names, so without an index an
 * event asks every rule: with 10,000 subscribers each on a template of their own
 * (`…/users/42/{+path}`), 10,000 template matches per event. Here an event asks
 * only the rules whose prefix its topic begins with, found by one lookup per distinct prefix
 * length; and subscribers that share a rule (the same function: the same selectors) share one
 * answer.
 */
export class RuleIndex {
  readonly #byPrefix = new Map<string, Map<TopicRule, RuleGroup>>()
  // How many prefixes of each length are indexed; `#lengths` lists those lengths, shortest first.
  readonly #prefixesOfLength = new Map<number, number>()
  #lengths: number[] = []
  #size = 0

  /** Subscribers indexed. */
  get size(): number {
    return this.#size
  }

  /**
   * Indexes `subscriber` under `rule`, which accepts only topics beginning with `prefix`.
   *
   * @returns a function that removes it; idempotent.
   */
  add(
    subscriber: Subscriber,
    rule: TopicRule,
    prefix: string,
    exactTopics: ReadonlySet<string>,
  ): () => void {
    const byRule = this.#byPrefix.get(prefix) ?? this.#addPrefix(prefix)
    const group = byRule.get(rule) ?? addGroup(byRule, rule)
    group.members.set(subscriber, exactTopics)
    this.#size++
    return () => {
      if (!group.members.delete(subscriber)) return
      this.#size--
      if (group.members.size > 0) return
      byRule.delete(rule)
      if (byRule.size > 0) return
      this.#byPrefix.delete(prefix)
      this.#countPrefixLength(prefix.length, -1)
    }
  }

  /**
   * Calls `visit` once for each subscriber whose rule accepts one of `topics`, unless one of
   * them is among its exact topics. A rule that throws accepts nothing.
   */
  forEachMatch(topics: readonly string[], visit: (subscriber: Subscriber) => void): void {
    // A group found through several of the topics is visited once.
    const visited = topics.length > 1 ? new Set<RuleGroup>() : undefined
    for (const topic of topics) {
      for (const length of this.#lengths) {
        if (length > topic.length) break
        const byRule = this.#byPrefix.get(length === topic.length ? topic : topic.slice(0, length))
        if (byRule === undefined) continue
        for (const group of byRule.values()) {
          if (visited?.has(group) || !accepts(group.rule, topic)) continue
          visited?.add(group)
          for (const [subscriber, exactTopics] of group.members) {
            if (exactTopics.size === 0 || !includesAny(exactTopics, topics)) visit(subscriber)
          }
        }
      }
    }
  }

  #addPrefix(prefix: string): Map<TopicRule, RuleGroup> {
    const byRule = new Map<TopicRule, RuleGroup>()
    this.#byPrefix.set(prefix, byRule)
    this.#countPrefixLength(prefix.length, 1)
    return byRule
  }

  #countPrefixLength(length: number, change: 1 | -1): void {
    const count = (this.#prefixesOfLength.get(length) ?? 0) + change
    if (count > 0) {
      this.#prefixesOfLength.set(length, count)
      if (change === 1 && count === 1)
        this.#lengths = [...this.#lengths, length].sort((a, b) => a - b)
    } else {
      this.#prefixesOfLength.delete(length)
      this.#lengths = this.#lengths.filter((other) => other !== length)
    }
  }
}

/** Whether `rule` accepts `topic`; a rule that throws does not, rather than break the publish. */
export function accepts(rule: TopicRule, topic: string): boolean {
  try {
    return rule(topic)
  } catch {
    return false
  }
}

function addGroup(byRule: Map<TopicRule, RuleGroup>, rule: TopicRule): RuleGroup {
  const group: RuleGroup = { rule, members: new Map() }
  byRule.set(rule, group)
  return group
}

function includesAny(set: ReadonlySet<string>, topics: readonly string[]): boolean {
  for (const topic of topics) if (set.has(topic)) return true
  return false
}
