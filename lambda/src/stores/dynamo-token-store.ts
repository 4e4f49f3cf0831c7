// Token lookup for the proxy's hot path: one GetItem by the token's SHA-256, and one for
// the token's team policy when it has a team (both cached by the core for a few seconds).
import { unmarshall } from '@aws-sdk/util-dynamodb'
import { type Caller, pickPolicy, type TeamItem, teamKey, type TokenItem, tokenKey, TOKENS_TABLE } from '../contracts/tables.js'
import type { TokenStore } from '../core/ports.js'
import type { DynamoWire } from './dynamo-wire.js'

export class DynamoTokenStore implements TokenStore {
  constructor(
    private readonly dynamo: DynamoWire,
    private readonly tableName: string,
  ) {}

  async lookup(tokenHash: string): Promise<Caller | undefined> {
    const item = (await this.get(tokenKey(tokenHash))) as TokenItem | undefined
    if (!item || item.kind !== 'token' || item.enabled !== true) return undefined
    const caller = callerFromItem(item)
    if (item.team !== undefined) {
      const team = (await this.get(teamKey(item.team))) as TeamItem | undefined
      if (team && team.kind === 'team') caller.team_policy = pickPolicy(team)
    }
    return caller
  }

  private async get(key: string): Promise<Record<string, unknown> | undefined> {
    const { Item } = await this.dynamo.getItem({ TableName: this.tableName, Key: { [TOKENS_TABLE.partitionKey]: { S: key } } })
    return Item && unmarshall(Item)
  }
}

export function callerFromItem(item: TokenItem): Caller {
  return { token_id: item.token_id, user_id: item.user_id, ...(item.team !== undefined && { team: item.team }), ...pickPolicy(item) }
}
