// CPU time and memory of another process, from /proc (Linux): utime+stime in clock
// ticks (proc(5): fields 14 and 15 of /proc/PID/stat), VmRSS and VmHWM of
// /proc/PID/status. Children (the embedded stores of `serve`) are read separately.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

const TICKS_PER_S = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100

/** CPU milliseconds (user + system) the process has used so far. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // The command name (field 2) may contain spaces: count fields after its ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const utime = Number(fields[11])
  const stime = Number(fields[12])
  return ((utime + stime) * 1000) / TICKS_PER_S
}

export function memory(pid: number): { rssBytes: number; peakRssBytes: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024
  return { rssBytes: kb('VmRSS'), peakRssBytes: kb('VmHWM') }
}

/**
 * CPU milliseconds of a process and all its descendants alive now, each counted with
 * the CPU of its own children that have ended and been waited for (cutime+cstime,
 * proc(5) fields 16 and 17): the whole cost of a target that runs helper processes.
 */
export function treeCpuMs(pid: number): number {
  let total = 0
  for (const p of [pid, ...descendants(pid)]) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8')
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      total += ((Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * 1000) / TICKS_PER_S
    } catch {
      // ended between listing and reading
    }
  }
  return total
}

/** All descendants of a process, depth first. */
export function descendants(pid: number): number[] {
  const out: number[] = []
  for (const c of childPids(pid)) out.push(c, ...descendants(c))
  return out
}

/** Direct children of a process (/proc/PID/task/TID/children, Linux ≥ 3.5). */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)
  } catch {
    return []
  }
}
