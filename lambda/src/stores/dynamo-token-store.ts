// Token lookup for the proxy's hot path (cached by the core for a few seconds): the token
// item (by the token's SHA-256) and the org item in parallel, then the token's team item
// and its user's budget item in parallel: two round trips, as before org and user budgets.
// A request tag's budgets are one more GetItem, cached per tag.
import { unmarshall } from '@aws-sdk/util-dynamodb'
import {
  type BudgetItem,
  type BudgetPolicy,
  type Caller,
  ORG_KEY,
  pickBudgets,
  pickPolicy,
  tagKey,
  type TeamItem,
  teamKey,
  type TokenItem,
  tokenKey,
  TOKENS_TABLE,
  userKey,
} from '../contracts/tables.js'
import type { TokenStore } from '../core/ports.js'
import type { DynamoWire } from './dynamo-wire.js'

export class DynamoTokenStore implements TokenStore {
  constructor(
    private readonly dynamo: DynamoWire,
    private readonly tableName: string,
  ) {}

  async lookup(tokenHash: string): Promise<Caller | undefined> {
    const [item, org] = (await Promise.all([this.get(tokenKey(tokenHash)), this.get(ORG_KEY)])) as [TokenItem | undefined, BudgetItem | undefined]
    if (!item || item.kind !== 'token' || item.enabled !== true) return undefined
    const caller = callerFromItem(item)
    const [team, user] = (await Promise.all([item.team !== undefined ? this.get(teamKey(item.team)) : undefined, this.get(userKey(item.user_id))])) as [
      TeamItem | undefined,
      BudgetItem | undefined,
    ]
    if (team && team.kind === 'team') caller.team_policy = pickPolicy(team)
    if (user && user.kind === 'user') caller.user_policy = pickBudgets(user)
    if (org && org.kind === 'org') caller.org_policy = pickBudgets(org)
    return caller
  }

  async tagPolicy(tag: string): Promise<BudgetPolicy | undefined> {
    const item = (await this.get(tagKey(tag))) as BudgetItem | undefined
    return item && item.kind === 'tag' ? pickBudgets(item) : undefined
  }

  private async get(key: string): Promise<Record<string, unknown> | undefined> {
    const { Item } = await this.dynamo.getItem({ TableName: this.tableName, Key: { [TOKENS_TABLE.partitionKey]: { S: key } } })
    return Item && unmarshall(Item)
  }
}

export function callerFromItem(item: TokenItem): Caller {
  return { token_id: item.token_id, user_id: item.user_id, ...(item.team !== undefined && { team: item.team }), ...pickPolicy(item) }
}
