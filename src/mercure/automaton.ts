/**
 * A matcher that cannot backtrack: a Thompson automaton, simulated one character at a time over
 * the set of states it may be in, so a match costs at most (text length) x (automaton size).
 *
 * A topic selector is a URI template from an anonymous subscriber, matched on the publish path
 * against topics other people choose: a backtracking regular expression lets one such template
 * hold the hub for minutes (`{a,b,c,d,e,f,g,h}` against `a,a,a,a,a,a,a,a,!`). Here a state is
 * visited at most once per character, whatever the template.
 *
 * The one construct beyond plain regular expressions is a counted loop ("at most `n` more
 * items"), which URI template expressions need; unrolling it would make the automaton quadratic
 * in the template. Each active state carries instead the count of items taken so far, keeping the
 * smallest when paths meet: with fewer taken, every continuation of more is still open.
 *
 * @see https://swtch.com/~rsc/regexp/regexp1.html (the simulation)
 */

/** Builds the automaton for what comes before `next` (a state), and returns its first state. */
export type Fragment = (next: number) => number

/** Character classes a state may consume, as bits of {@link CLASS_BITS}. */
export const UNRESERVED = 1
export const RESERVED = 2
export const HEX_DIGIT = 4
export const COMMA = 8
export const SLASH = 16

/** Each ASCII character's classes. */
const CLASS_BITS = new Uint8Array(128)
for (const [bit, chars] of [
  [UNRESERVED, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~'],
  [RESERVED, ":/?#[]@!$&'()*+,;="],
  [HEX_DIGIT, '0123456789ABCDEFabcdef'],
  [COMMA, ','],
  [SLASH, '/'],
] as const) {
  for (let i = 0; i < chars.length; i++) {
    const code = chars.charCodeAt(i)
    CLASS_BITS[code] = (CLASS_BITS[code] as number) | bit
  }
}

/** What a state does: consume a character (a code unit, or one of a class), or only branch. */
const BRANCH = 0x7fff_ffff
const UNCOUNTED = -1

/** Collects states while fragments are put together; {@link AutomatonBuilder.finish} seals it. */
export class AutomatonBuilder {
  // Per state: a code unit (>= 0), a class (-bits), or BRANCH.
  readonly #consumes: number[] = []
  readonly #next: number[] = []
  // For a consuming state closing a counted loop's item: the most items the loop may take.
  readonly #limit: number[] = []
  readonly #branches: number[][] = []
  readonly #resets: boolean[] = []

  /** A state consuming `code` (a code unit, or minus class bits) then going to `next`. */
  consume(code: number, next: number, limit = UNCOUNTED): number {
    return this.#add(code, next, limit, [], false)
  }

  /** A state going on to any of `targets` without consuming; `resets` zeroes the item count. */
  branch(targets: number[], resets = false): number {
    return this.#add(BRANCH, -1, UNCOUNTED, targets, resets)
  }

  /** Adds `target` to a branching state's targets (loops know their body after their head). */
  addBranch(state: number, target: number): void {
    ;(this.#branches[state] as number[]).push(target)
  }

  /** The automaton whose first state is `start` and which accepts in `accept`. */
  finish(start: number, accept: number): Automaton {
    return new Automaton(this.#ordered(start, accept))
  }

  #add(code: number, next: number, limit: number, targets: number[], resets: boolean): number {
    this.#consumes.push(code)
    this.#next.push(next)
    this.#limit.push(limit)
    this.#branches.push(targets)
    this.#resets.push(resets)
    return this.#consumes.length - 1
  }

  /**
   * The states renumbered so that every move without a character goes to a higher number: one
   * pass in order then settles the set of states a character leads to, smallest counts included.
   * (Every loop consumes a character before it comes round, so such an order exists.)
   */
  #ordered(start: number, accept: number): Tables {
    const size = this.#consumes.length
    const incoming = new Int32Array(size)
    for (const targets of this.#branches) {
      for (const t of targets) incoming[t] = (incoming[t] as number) + 1
    }
    const order: number[] = []
    for (let s = 0; s < size; s++) if (incoming[s] === 0) order.push(s)
    for (let i = 0; i < order.length; i++) {
      for (const t of this.#branches[order[i] as number] as number[]) {
        incoming[t] = (incoming[t] as number) - 1
        if (incoming[t] === 0) order.push(t)
      }
    }
    if (order.length !== size) throw new Error('a loop without a character: not a valid automaton')
    const rank = new Int32Array(size)
    order.forEach((state, i) => {
      rank[state] = i
    })
    const tables: Tables = {
      consumes: new Int32Array(size),
      next: new Int32Array(size),
      limit: new Int32Array(size),
      resets: new Uint8Array(size),
      branchStart: new Int32Array(size + 1),
      branchTargets: new Int32Array(
        this.#branches.reduce((sum, targets) => sum + targets.length, 0),
      ),
      start: rank[start] as number,
      accept: rank[accept] as number,
    }
    let edges = 0
    order.forEach((state, i) => {
      tables.consumes[i] = this.#consumes[state] as number
      const next = this.#next[state] as number
      tables.next[i] = next < 0 ? -1 : (rank[next] as number)
      tables.limit[i] = this.#limit[state] as number
      tables.resets[i] = this.#resets[state] ? 1 : 0
      tables.branchStart[i] = edges
      for (const t of this.#branches[state] as number[])
        tables.branchTargets[edges++] = rank[t] as number
    })
    tables.branchStart[size] = edges
    return tables
  }
}

interface Tables {
  readonly consumes: Int32Array
  readonly next: Int32Array
  readonly limit: Int32Array
  readonly resets: Uint8Array
  readonly branchStart: Int32Array
  readonly branchTargets: Int32Array
  readonly start: number
  readonly accept: number
}

/**
 * Sets of states met while matching, with their counts, are kept with the set each character
 * class leads to: after its first matches an automaton answers with one lookup per character, as
 * a DFA, a set computed only when first met. At most this many are kept: past it they are
 * forgotten and met anew, so a template whose sets are many costs no more memory than this, and
 * no more time than the simulation computing them.
 */
const MAX_CACHED_SETS = 32

/** A set of states with the item count of each, and where each character class leads from it. */
interface StateSet {
  /**
   * The set itself: its bits, 32 states to a word, each word in decimal, then `/` and each state
   * whose count is not zero with that count, all separated by commas (`5,0/2,1`). Read back only
   * when a character leads somewhere not met yet.
   */
  readonly key: string
  readonly accepting: boolean
  /** By character class: the set it leads to, `null` for none; absent until met. */
  readonly next: (StateSet | null | undefined)[]
}

/**
 * Scratch for the simulation, shared by every automaton and grown to the largest: a set of states
 * as bits, with each state's count, and the next. A match runs to its end synchronously, so none
 * sees another's; and an automaton keeps only the sets it caches.
 */
const scratch = {
  bits: new Int32Array(0),
  counts: new Int32Array(0),
  nextBits: new Int32Array(0),
  nextCounts: new Int32Array(0),
}

function growScratch(size: number): void {
  if (scratch.counts.length >= size) return
  const words = Math.ceil(size / 32)
  scratch.bits = new Int32Array(words)
  scratch.nextBits = new Int32Array(words)
  scratch.counts = new Int32Array(size)
  scratch.nextCounts = new Int32Array(size)
}

/** A built automaton: {@link Automaton.matches} tells whether it accepts a text. */
export class Automaton {
  readonly #t: Tables
  // Characters no state tells apart share a class: the DFA's alphabet.
  readonly #classOf = new Uint8Array(128)
  #classOfOther: Map<number, number> | undefined
  readonly #otherClass: number
  readonly #sets = new Map<string, StateSet>()
  #start: StateSet
  // Words of 32 states in a set.
  readonly #words: number

  constructor(tables: Tables) {
    this.#t = tables
    const size = tables.consumes.length
    this.#words = Math.ceil(size / 32)
    this.#otherClass = this.#classify()
    growScratch(size)
    scratch.nextBits.fill(0, 0, this.#words)
    scratch.nextBits[tables.start >>> 5] = 1 << (tables.start & 31)
    scratch.nextCounts[tables.start] = 0
    this.#close()
    this.#start = this.#intern()
  }

  /** States, for the size of a template's automaton. */
  get size(): number {
    return this.#t.consumes.length
  }

  /** Whether the automaton accepts `text` from index `from` to its end. */
  matches(text: string, from = 0): boolean {
    let set: StateSet | null = this.#start
    for (let i = from; i < text.length; i++) {
      const char = text.charCodeAt(i)
      const type =
        char < 128
          ? (this.#classOf[char] as number)
          : (this.#classOfOther?.get(char) ?? this.#otherClass)
      const next: StateSet | null | undefined = set.next[type]
      set = next === undefined ? this.#follow(set, char, type) : next
      if (set === null) return false
    }
    return set.accepting
  }

  /**
   * Gives each ASCII character a class, the same for two characters when every state takes
   * both or neither; code units above ASCII only a literal takes get one each, the rest one.
   */
  #classify(): number {
    const { consumes } = this.#t
    let bitsUsed = 0
    const literals = new Set<number>()
    for (const code of consumes) {
      if (code === BRANCH) continue
      if (code < 0) bitsUsed |= -code
      else literals.add(code)
    }
    const classes = new Map<number, number>()
    for (let char = 0; char < 128; char++) {
      const key = literals.has(char) ? -1 - char : (CLASS_BITS[char] as number) & bitsUsed
      if (!classes.has(key)) classes.set(key, classes.size)
      this.#classOf[char] = classes.get(key) as number
    }
    // At most 128 literals and 32 combinations of class bits: a byte holds every ASCII class.
    let count = classes.size
    for (const code of literals) {
      if (code < 128) continue
      this.#classOfOther ??= new Map()
      this.#classOfOther.set(code, count++)
    }
    return count
  }

  /** The set `char` leads to from `set`, by one step of the simulation. */
  #follow(set: StateSet, char: number, type: number): StateSet | null {
    this.#load(set)
    let next: StateSet | null = null
    if (this.#step(char)) {
      this.#close()
      next = this.#intern()
    }
    set.next[type] = next
    return next
  }

  /** Copies `set` into the scratch `bits` and `counts`. */
  #load(set: StateSet): void {
    const { bits, counts } = scratch
    const [words = '', counted = ''] = set.key.split('/')
    words.split(',').forEach((word, i) => {
      bits[i] = Number(word)
    })
    for (let word = 0; word < this.#words; word++) {
      let pending = bits[word] as number
      while (pending !== 0) {
        const low = pending & -pending
        pending ^= low
        counts[(word << 5) | (31 - Math.clz32(low))] = 0
      }
    }
    if (counted === '') return
    const pairs = counted.split(',')
    for (let i = 0; i < pairs.length; i += 2) counts[Number(pairs[i])] = Number(pairs[i + 1])
  }

  /**
   * Moves every state of `bits` that takes `char` into `nextBits`, with its count (plus one on
   * a counted separator); returns whether any did.
   */
  #step(char: number): boolean {
    const { consumes: consuming, limit: limits, next: nexts } = this.#t
    const { bits, counts, nextBits: following, nextCounts: followingCounts } = scratch
    const words = this.#words
    following.fill(0, 0, words)
    let any = false
    for (let word = 0; word < words; word++) {
      let pending = bits[word] as number
      while (pending !== 0) {
        const low = pending & -pending
        pending ^= low
        const state = (word << 5) | (31 - Math.clz32(low))
        const consumes = consuming[state] as number
        if (consumes === BRANCH) continue
        if (consumes >= 0) {
          if (consumes !== char) continue
        } else if (char >= 128 || ((CLASS_BITS[char] as number) & -consumes) === 0) continue
        let count = counts[state] as number
        const limit = limits[state] as number
        if (limit !== UNCOUNTED && ++count > limit) continue
        const next = nexts[state] as number
        const bit = 1 << (next & 31)
        const w = next >>> 5
        if (((following[w] as number) & bit) === 0) {
          following[w] = (following[w] as number) | bit
          followingCounts[next] = count
          any = true
        } else if (count < (followingCounts[next] as number)) followingCounts[next] = count
      }
    }
    return any
  }

  /**
   * Adds to `nextBits` every state reachable without a character, each with the smallest count
   * any path brings: states are numbered so such moves go up, so visiting them in order is enough.
   */
  #close(): void {
    const { branchStart, branchTargets, resets } = this.#t
    const { nextBits: bits, nextCounts: counts } = scratch
    for (let word = 0; word < this.#words; word++) {
      // Moves go up, possibly within this word: take its lowest unvisited bit each time.
      let visited = 0
      for (;;) {
        const pending = (bits[word] as number) & ~visited
        if (pending === 0) break
        const low = pending & -pending
        visited |= low
        const state = (word << 5) | (31 - Math.clz32(low))
        const end = branchStart[state + 1] as number
        let edge = branchStart[state] as number
        if (edge === end) continue
        const count = resets[state] === 1 ? 0 : (counts[state] as number)
        for (; edge < end; edge++) {
          const target = branchTargets[edge] as number
          const bit = 1 << (target & 31)
          const w = target >>> 5
          if (((bits[w] as number) & bit) === 0) {
            bits[w] = (bits[w] as number) | bit
            counts[target] = count
          } else if (count < (counts[target] as number)) counts[target] = count
        }
      }
    }
  }

  /** The set in `nextBits` as a {@link StateSet}: the one met before if any, else a new one. */
  #intern(): StateSet {
    const bits = scratch.nextBits.subarray(0, this.#words)
    const counts = scratch.nextCounts
    const counted: number[] = []
    for (let word = 0; word < bits.length; word++) {
      let pending = bits[word] as number
      while (pending !== 0) {
        const low = pending & -pending
        pending ^= low
        const state = (word << 5) | (31 - Math.clz32(low))
        const count = counts[state] as number
        if (count !== 0) counted.push(state, count)
      }
    }
    const key = `${bits.join(',')}/${counted.join(',')}`
    const known = this.#sets.get(key)
    if (known !== undefined) return known
    if (this.#sets.size >= MAX_CACHED_SETS) this.#forget()
    const accept = this.#t.accept
    const set: StateSet = {
      key,
      accepting: ((bits[accept >>> 5] as number) & (1 << (accept & 31))) !== 0,
      next: [],
    }
    this.#sets.set(key, set)
    return set
  }

  /**
   * Forgets every set met but the first, anew: what the old ones lead to is reachable from
   * nothing kept, so it goes with them.
   */
  #forget(): void {
    this.#sets.clear()
    this.#start = { ...this.#start, next: [] }
    this.#sets.set(this.#start.key, this.#start)
  }
}
