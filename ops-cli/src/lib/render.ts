// Renderings shared by the reports: CSV (RFC 4180 quoting) and proportional bars.

export function toCsv(rows: Record<string, unknown>[], columns: string[]): string {
  const cell = (v: unknown) => {
    if (v === null || v === undefined) return ''
    const s = typeof v === 'object' ? JSON.stringify(v) : String(v)
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
  }
  return [columns.join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))].join('\n')
}

/** A bar of up to `width` blocks for `value` relative to `max` (eighth-block resolution). */
export function bar(value: number, max: number, width = 20): string {
  if (!(max > 0) || !(value > 0)) return ''
  const eighths = Math.max(1, Math.round((value / max) * width * 8))
  const full = Math.floor(eighths / 8)
  const rest = eighths % 8
  return '█'.repeat(full) + (rest ? '▏▎▍▌▋▊▉'[rest - 1]! : '')
}

export const formatUsd = (v: number | null) => (v === null ? '—' : `$${v < 1 ? v.toFixed(4) : v.toFixed(2)}`)
export const formatInt = (v: number) => v.toLocaleString('en-US')
