// Admin operations on the tokens table (ops CLI, and `serve` creating the first local
// token). Not part of the Lambda bundle's hot path.
import {
  DeleteCommand,
  GetCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb'
import { ORG_ID } from '../contracts/counters.js'
import {
  BUDGET_FIELDS,
  type BudgetItem,
  type BudgetPolicy,
  ORG_KEY,
  TAG_PATTERN,
  tagKey,
  userKey,
  nameProblem,
  pickPolicy,
  POLICY_FIELDS,
  type TeamItem,
  teamKey,
  type TokenItem,
  tokenKey,
  TOKENS_TABLE,
  type TokenPolicy,
} from '../contracts/tables.js'
import { generateToken, hashToken, TOKEN_ID_PATTERN, tokenIdFromHash } from '../contracts/token.js'

export class TokenAdminError extends Error {
  override name = 'TokenAdminError'
}

export interface NewToken {
  user: string
  team?: string | undefined
  note?: string | undefined
  policy?: TokenPolicy | undefined
}

export class TokenAdmin {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Creates a token; the plain token is returned here and never stored. */
  async create(input: NewToken, rotatedFrom?: string): Promise<{ token: string; item: TokenItem }> {
    validateName('user', input.user)
    if (input.team !== undefined) validateName('team', input.team)
    const token = generateToken()
    const hash = hashToken(token)
    const at = this.now().toISOString()
    const item: TokenItem = {
      pk: tokenKey(hash),
      kind: 'token',
      token_id: tokenIdFromHash(hash),
      user_id: input.user,
      enabled: true,
      created_at: at,
      updated_at: at,
      ...(input.team !== undefined && { team: input.team }),
      ...(input.note !== undefined && { note: input.note }),
      ...(rotatedFrom !== undefined && { rotated_from: rotatedFrom }),
      ...input.policy,
    }
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: item,
        // A hash collision would be astronomically unlikely; never overwrite anyway.
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': TOKENS_TABLE.partitionKey },
      }),
    )
    return { token, item }
  }

  /** All token items, or one user's (via the by_user index). Sorted by creation time. */
  async list(user?: string): Promise<TokenItem[]> {
    const items = user
      ? await this.pages<TokenItem>((start) =>
          this.doc.send(
            new QueryCommand({
              TableName: this.tableName,
              IndexName: TOKENS_TABLE.byUserIndex,
              KeyConditionExpression: '#u = :u',
              ExpressionAttributeNames: { '#u': TOKENS_TABLE.byUserKey },
              ExpressionAttributeValues: { ':u': user },
              ExclusiveStartKey: start,
            }),
          ),
        )
      : await this.scanWhere<TokenItem>('#k = :k', { '#k': 'kind' }, { ':k': 'token' })
    return items.filter((i) => i.kind === 'token').sort((a, b) => a.created_at.localeCompare(b.created_at))
  }

  /**
   * Resolves what an admin typed: a token id (`tok_…`) names one token; anything else
   * is a user id and names all of that user's tokens.
   */
  async resolve(userOrTokenId: string): Promise<TokenItem[]> {
    if (!TOKEN_ID_PATTERN.test(userOrTokenId)) return this.list(userOrTokenId)
    // The token id is a prefix of the hash that keys the item.
    const prefix = tokenKey(userOrTokenId.slice(4))
    return this.scanWhere<TokenItem>('begins_with(#pk, :p)', { '#pk': TOKENS_TABLE.partitionKey }, { ':p': prefix })
  }

  /** Admin reads are rare and the table small: a filtered scan over all pages. */
  private scanWhere<T>(filter: string, names: Record<string, string>, values: Record<string, unknown>): Promise<T[]> {
    return this.pages<T>((start) =>
      this.doc.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: filter,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ExclusiveStartKey: start,
        }),
      ),
    )
  }

  private async pages<T>(
    read: (start: Record<string, unknown> | undefined) => Promise<{ Items?: Record<string, unknown>[]; LastEvaluatedKey?: Record<string, unknown> }>,
  ): Promise<T[]> {
    const items: T[] = []
    let start: Record<string, unknown> | undefined
    do {
      const page = await read(start)
      items.push(...((page.Items ?? []) as T[]))
      start = page.LastEvaluatedKey
    } while (start)
    return items
  }

  async setEnabled(items: TokenItem[], enabled: boolean): Promise<TokenItem[]> {
    const at = this.now().toISOString()
    const out: TokenItem[] = []
    for (const item of items) {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [TOKENS_TABLE.partitionKey]: item.pk },
          UpdateExpression: enabled ? 'SET enabled = :e, updated_at = :t REMOVE disabled_at' : 'SET enabled = :e, updated_at = :t, disabled_at = :t',
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { '#pk': TOKENS_TABLE.partitionKey },
          ExpressionAttributeValues: { ':e': enabled, ':t': at },
          ReturnValues: 'ALL_NEW',
        }),
      )
      out.push(Attributes as TokenItem)
    }
    return out
  }

  /** Replaces a token: a new one with the same owner and policy; the old one is disabled. */
  async rotate(item: TokenItem): Promise<{ token: string; item: TokenItem }> {
    const created = await this.create({ user: item.user_id, team: item.team, note: item.note, policy: pickPolicy(item) }, item.token_id)
    await this.setEnabled([item], false)
    return created
  }

  /**
   * Sets policy fields (and team/note) on tokens; a field given as null is removed.
   * Takes effect within the proxy's token cache TTL.
   */
  async update(items: TokenItem[], changes: PolicyChanges & { team?: string | null; note?: string | null }): Promise<TokenItem[]> {
    if (typeof changes.team === 'string') validateName('team', changes.team)
    const out: TokenItem[] = []
    for (const item of items) {
      out.push((await this.applyChanges(item.pk, changes, 'attribute_exists(#pk)')) as unknown as TokenItem)
    }
    return out
  }

  /** Creates or updates a team's policy item. */
  async setTeam(team: string, changes: PolicyChanges): Promise<TeamItem> {
    validateName('team', team)
    return (await this.applyChanges(teamKey(team), { ...changes, kind: 'team', team }, undefined)) as unknown as TeamItem
  }

  async getTeam(team: string): Promise<TeamItem | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { [TOKENS_TABLE.partitionKey]: teamKey(team) } }))
    return Item as TeamItem | undefined
  }

  async listTeams(): Promise<TeamItem[]> {
    const teams = await this.scanWhere<TeamItem>('#k = :k', { '#k': 'kind' }, { ':k': 'team' })
    return teams.sort((a, b) => a.team.localeCompare(b.team))
  }

  private async applyChanges(pk: string, changes: Record<string, unknown>, condition: string | undefined): Promise<Record<string, unknown>> {
    const names: Record<string, string> = { '#pk': TOKENS_TABLE.partitionKey, '#updated': 'updated_at' }
    const values: Record<string, unknown> = { ':updated': this.now().toISOString() }
    const sets = ['#updated = :updated']
    const removes: string[] = []
    Object.entries(changes).forEach(([field, value], i) => {
      if (value === undefined) return
      names[`#f${i}`] = field
      if (value === null) removes.push(`#f${i}`)
      else {
        values[`:v${i}`] = value
        sets.push(`#f${i} = :v${i}`)
      }
    })
    const { Attributes } = await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { [TOKENS_TABLE.partitionKey]: pk },
        UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
        ...(condition && { ConditionExpression: condition }),
        ExpressionAttributeNames: condition ? names : Object.fromEntries(Object.entries(names).filter(([k]) => k !== '#pk')),
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    )
    return Attributes ?? {}
  }

  /** Creates or updates a user's, a tag's or the deployment's budgets (`users set`, `tags set`, `org set`). */
  async setBudgets(kind: BudgetItem['kind'], name: string, changes: BudgetChanges): Promise<BudgetItem> {
    const pk = budgetItemKey(kind, name)
    const item = await this.applyChanges(pk, { ...changes, kind, name: kind === 'org' ? ORG_ID : name }, undefined)
    return item as unknown as BudgetItem
  }

  async getBudgets(kind: BudgetItem['kind'], name: string): Promise<BudgetItem | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { [TOKENS_TABLE.partitionKey]: budgetItemKey(kind, name) } }))
    return Item && Item.kind === kind ? (Item as BudgetItem) : undefined
  }

  async listBudgets(kind: BudgetItem['kind']): Promise<BudgetItem[]> {
    const items = await this.scanWhere<BudgetItem>('#k = :k', { '#k': 'kind' }, { ':k': kind })
    return items.sort((a, b) => a.name.localeCompare(b.name))
  }

  async delete(items: TokenItem[]): Promise<void> {
    for (const item of items) {
      await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: { [TOKENS_TABLE.partitionKey]: item.pk } }))
    }
  }

  async countEnabled(): Promise<number> {
    return (await this.list()).filter((i) => i.enabled).length
  }
}

/** Policy changes: a value sets the field, null removes it, undefined leaves it alone. */
export type PolicyChanges = { [K in (typeof POLICY_FIELDS)[number]]?: TokenPolicy[K] | null }
export type BudgetChanges = { [K in (typeof BUDGET_FIELDS)[number]]?: BudgetPolicy[K] | null }

function budgetItemKey(kind: BudgetItem['kind'], name: string): string {
  if (kind === 'org') return ORG_KEY
  if (kind === 'user') {
    validateName('user', name)
    return userKey(name)
  }
  if (!TAG_PATTERN.test(name)) throw new TokenAdminError(`tag "${name}" is not valid: use letters, digits and . _ @ + - (max 64, starting with a letter or digit)`)
  return tagKey(name)
}


export function validateName(what: 'user' | 'team', value: string): void {
  const problem = nameProblem(what, value)
  if (problem) throw new TokenAdminError(problem)
}
