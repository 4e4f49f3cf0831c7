// Shared by `org set`, `users set` and `tags set`: apply budget flags to a budget item
// and print what it now holds.
import { type BudgetItem, type BudgetPolicy, pickBudgets } from '../../../lambda/src/contracts/tables.js'
import { UserError } from './base-command.js'
import { tokenAdminFor } from './clients.js'
import { type BudgetFlagValues, budgetChangesFromFlags, describeBudgets } from './policy-flags.js'
import type { Target } from './target.js'

export type BudgetResult = { level: 'org' | 'user' | 'tag'; name: string } & BudgetPolicy

export async function setBudgetItem(target: Target, kind: BudgetItem['kind'], name: string, flags: BudgetFlagValues, log: (line: string) => void): Promise<BudgetResult> {
  const changes = budgetChangesFromFlags(flags)
  if (Object.keys(changes).length === 0) throw new UserError('nothing to set: give at least one of --budget-daily --budget-weekly --budget-monthly --hard --soft --warn-percent')
  const item = await tokenAdminFor(target).setBudgets(kind, name, changes)
  log(`${kind} ${item.name}:`)
  log(`  ${describeBudgets(item)}`)
  log('  applies within the proxy token cache time (default 5 s); spend so far in the period already counts.')
  return { level: kind, name: item.name, ...pickBudgets(item) }
}
