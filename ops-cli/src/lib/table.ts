// Box-drawn tables for the commands' human output, in the layout @oclif/table printed
// (same borders, capital-case headers, title above, a blank line after). @oclif/table
// renders through ink, React and a WebAssembly layout engine: loading those cost a table
// command ~0.3 s of its start (bench/bundle-results.md), for text this module draws directly.

export type Column<T> = (keyof T & string) | { key: keyof T & string; name: string }

export interface TableOptions<T> {
  data: T[]
  columns: Column<T>[]
  title?: string
  headerOptions?: { formatter?: 'capitalCase' }
  /** A cell wider than its column when the terminal is too narrow: cut with … (default) or wrapped. */
  overflow?: 'truncate' | 'wrap'
  /** 'all' (default): a rule between rows; 'vertical-with-outline': only under the header. */
  borderStyle?: 'all' | 'vertical-with-outline'
  /** Terminal width to fit; default the TTY's columns, none when not a terminal. */
  maxWidth?: number
}

/** `token_id` → `Token Id`, `requestId` → `Request Id` (change-case's capitalCase, which @oclif/table used). */
export function capitalCase(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[_\-\s]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1).toLowerCase())
    .join(' ')
}

const width = (s: string) => [...s].length

function cellText(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value).replace(/\r?\n/g, ' ')
}

/** Lines of at most `w` characters: words kept whole where they fit. */
function wrap(text: string, w: number): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(' ')) {
    let rest = word
    while (width(rest) > w) {
      if (line) lines.push(line), (line = '')
      const chars = [...rest]
      lines.push(chars.slice(0, w).join(''))
      rest = chars.slice(w).join('')
    }
    if (!line) line = rest
    else if (width(line) + 1 + width(rest) <= w) line += ` ${rest}`
    else lines.push(line), (line = rest)
  }
  lines.push(line)
  return lines
}

function truncate(text: string, w: number): string {
  const chars = [...text]
  return chars.length <= w ? text : `${chars.slice(0, Math.max(0, w - 1)).join('')}…`
}

export function renderTable<T extends object>(options: TableOptions<T>): string {
  const cols = options.columns.map((c) => (typeof c === 'string' ? { key: c, name: c } : c))
  // The formatter names columns given by key; a column given a name keeps it as written.
  const header = options.columns.map((c) => (typeof c !== 'string' ? c.name : options.headerOptions?.formatter === 'capitalCase' ? capitalCase(c) : c))
  const rows = options.data.map((row) => cols.map((c) => cellText((row as Record<string, unknown>)[c.key])))
  const widths = cols.map((_, i) => Math.max(width(header[i]!), ...rows.map((r) => width(r[i]!))))
  // Fit the terminal: narrow the widest column, one character at a time (borders: 3 per column + 1).
  const maxWidth = options.maxWidth ?? (process.stdout.isTTY ? process.stdout.columns : undefined)
  if (maxWidth) {
    while (widths.reduce((a, b) => a + b, 0) + 3 * widths.length + 1 > maxWidth) {
      const widest = widths.indexOf(Math.max(...widths))
      if (widths[widest]! <= 3) break
      widths[widest]!--
    }
  }
  const fit = (text: string, i: number) => (options.overflow === 'wrap' ? wrap(text, widths[i]!) : [truncate(text, widths[i]!)])
  const line = (cells: string[]) => {
    const parts = cells.map((text, i) => fit(text, i))
    const height = Math.max(...parts.map((p) => p.length))
    return Array.from({ length: height }, (_, l) => `│${parts.map((p, i) => ` ${(p[l] ?? '').padEnd(widths[i]! + (p[l] ?? '').length - width(p[l] ?? ''))} `).join('│')}│`)
  }
  const rule = (left: string, mid: string, right: string) => `${left}${widths.map((w) => '─'.repeat(w + 2)).join(mid)}${right}`
  const between = options.borderStyle === 'vertical-with-outline' ? [] : [rule('├', '┼', '┤')]
  const out = [
    ...(options.title ? [options.title] : []),
    rule('┌', '┬', '┐'),
    ...line(header),
    rule('├', '┼', '┤'),
    ...rows.flatMap((r, i) => [...(i > 0 ? between : []), ...line(r)]),
    rule('└', '┴', '┘'),
  ]
  return `${out.join('\n')}\n\n`
}

export function printTable<T extends object>(options: TableOptions<T>): void {
  process.stdout.write(renderTable(options))
}
