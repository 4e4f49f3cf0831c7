// Token lookup for the proxy's hot path: one GetItem by the token's SHA-256, and one for
// the token's team policy when it has a team (both cached by the core for a few seconds).
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb'
import { type Caller, pickPolicy, type TeamItem, teamKey, type TokenItem, tokenKey, TOKENS_TABLE } from '../contracts/tables.js'
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
    const caller = callerFromItem(item)
    if (item.team !== undefined) {
      const { Item: team } = await this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: { [TOKENS_TABLE.partitionKey]: teamKey(item.team) } }),
      )
      if (team && (team as TeamItem).kind === 'team') caller.team_policy = pickPolicy(team as TeamItem)
    }
    return caller
  }
}

export function callerFromItem(item: TokenItem): Caller {
  return { token_id: item.token_id, user_id: item.user_id, ...(item.team !== undefined && { team: item.team }), ...pickPolicy(item) }
}
