// Token lookup for the proxy's hot path: one GetItem by the token's SHA-256.
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb'
import { type Caller, type TokenItem, tokenKey, TOKENS_TABLE } from '../contracts/tables.js'
import type { TokenStore } from '../core/ports.js'

export class DynamoTokenStore implements TokenStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async lookup(tokenHash: string): Promise<Caller | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { [TOKENS_TABLE.partitionKey]: tokenKey(tokenHash) } }),
    )
    const item = Item as TokenItem | undefined
    if (!item || item.kind !== 'token' || item.enabled !== true) return undefined
    return callerFromItem(item)
  }
}

export function callerFromItem(item: TokenItem): Caller {
  const caller: Caller = { token_id: item.token_id, user_id: item.user_id }
  if (item.team !== undefined) caller.team = item.team
  if (item.models !== undefined) caller.models = item.models
  if (item.rpm !== undefined) caller.rpm = item.rpm
  if (item.budget_daily_usd !== undefined) caller.budget_daily_usd = item.budget_daily_usd
  if (item.budget_monthly_usd !== undefined) caller.budget_monthly_usd = item.budget_monthly_usd
  if (item.budget_mode !== undefined) caller.budget_mode = item.budget_mode
  return caller
}
