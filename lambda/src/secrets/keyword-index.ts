// One pass over the text that finds every occurrence of every rule keyword, ASCII
// case-insensitively: an Aho–Corasick automaton compiled to a dense transition table.
// Keywords are ASCII; a non-ASCII character resets the walk (no keyword contains one),
// so offsets stay those of the original text (toLowerCase() can change string length).

const ALPHABET = 128

export interface KeywordIndex {
  readonly keywords: readonly string[]
  /** Calls `hit(keywordIndex, endOffset)` for each occurrence, in text order. */
  scan(text: string, hit: (keyword: number, end: number) => void): void
}

export function buildKeywordIndex(keywords: readonly string[]): KeywordIndex {
  for (const k of keywords) {
    if (k.length === 0 || !/^[\x20-\x7e]+$/.test(k) || k !== k.toLowerCase()) {
      throw new Error(`keyword index: keywords must be non-empty lowercase printable ASCII, got ${JSON.stringify(k)}`)
    }
  }
  // Trie.
  const children: Map<number, number>[] = [new Map()]
  const outputs: number[][] = [[]]
  keywords.forEach((k, index) => {
    let s = 0
    for (let i = 0; i < k.length; i++) {
      const c = k.charCodeAt(i)
      let next = children[s]!.get(c)
      if (next === undefined) {
        next = children.length
        children.push(new Map())
        outputs.push([])
        children[s]!.set(c, next)
      }
      s = next
    }
    outputs[s]!.push(index)
  })
  // Failure links, breadth first, folded into a dense table (delta) and merged outputs.
  // A state's row is its failure state's row (complete: that state is shallower, so
  // already done) with its own children written over it: one block copy per state rather
  // than 128 lookups, which kept ~15 ms of CPU on the Lambda's first request.
  const states = children.length
  const delta = new Int32Array(states * ALPHABET)
  const fail = new Int32Array(states)
  const queue: number[] = []
  for (const [c, next] of children[0]!) {
    delta[c] = next
    queue.push(next)
  }
  for (let q = 0; q < queue.length; q++) {
    const s = queue[q]!
    const f = fail[s]!
    if (outputs[f]!.length) outputs[s] = [...outputs[s]!, ...outputs[f]!]
    delta.copyWithin(s * ALPHABET, f * ALPHABET, (f + 1) * ALPHABET)
    for (const [c, next] of children[s]!) {
      fail[next] = delta[f * ALPHABET + c]!
      delta[s * ALPHABET + c] = next
      queue.push(next)
    }
  }
  const out: (readonly number[] | undefined)[] = outputs.map((o) => (o.length ? o : undefined))

  return {
    keywords,
    scan(text, hit) {
      let s = 0
      for (let i = 0; i < text.length; i++) {
        let c = text.charCodeAt(i)
        if (c >= ALPHABET) {
          s = 0
          continue
        }
        if (c >= 65 && c <= 90) c += 32
        s = delta[s * ALPHABET + c]!
        const found = out[s]
        if (found !== undefined) for (const k of found) hit(k, i + 1)
      }
    },
  }
}
