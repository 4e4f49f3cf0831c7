// Counters as DynamoDB items updated with ADD under a condition: atomic across any number
// of Lambda instances (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/WorkingWithItems.html#WorkingWithItems.ConditionalUpdate).
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb'
import { USAGE_TABLE } from '../contracts/tables.js'
import type { CounterStore } from '../core/ports.js'
import { type DynamoWire, isConditionalCheckFailed, type Item } from './dynamo-wire.js'

export class DynamoCounterStore implements CounterStore {
  constructor(
    private readonly dynamo: DynamoWire,
    private readonly tableName: string,
  ) {}

  async addWithin(key: string, amounts: Record<string, number>, ceilings: Record<string, number>, expiresAt: number) {
    const update = this.addExpression(amounts, expiresAt)
    const conditions = Object.entries(ceilings).map(([attr, ceiling], i) => {
      update.names[`#c${i}`] = attr
      update.values[`:c${i}`] = ceiling
      // An absent attribute counts as 0, which passes only a non-negative ceiling.
      return ceiling >= 0 ? `(attribute_not_exists(#c${i}) OR #c${i} <= :c${i})` : `#c${i} <= :c${i}`
    })
    try {
      const { Attributes } = await this.dynamo.updateItem({
        TableName: this.tableName,
        Key: itemKey(key),
        UpdateExpression: update.expression,
        ...(conditions.length > 0 && { ConditionExpression: conditions.join(' AND ') }),
        ExpressionAttributeNames: update.names,
        ExpressionAttributeValues: marshall(update.values),
        ReturnValues: 'UPDATED_NEW',
      })
      return { ok: true as const, values: pick(Attributes, Object.keys(amounts)) }
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err
      // Refusals are rare and answered with what was used, so one extra read is fine.
      const { Item } = await this.dynamo.getItem({ TableName: this.tableName, Key: itemKey(key) })
      return { ok: false as const, current: pick(Item, Object.keys(ceilings)) }
    }
  }

  async add(key: string, amounts: Record<string, number>, expiresAt: number) {
    const update = this.addExpression(amounts, expiresAt)
    const { Attributes } = await this.dynamo.updateItem({
      TableName: this.tableName,
      Key: itemKey(key),
      UpdateExpression: update.expression,
      ExpressionAttributeNames: update.names,
      ExpressionAttributeValues: marshall(update.values),
      ReturnValues: 'UPDATED_NEW',
    })
    return pick(Attributes, Object.keys(amounts))
  }

  async get(keys: string[]): Promise<Map<string, Record<string, number>>> {
    const out = new Map<string, Record<string, number>>()
    for (let i = 0; i < keys.length; i += 100) {
      let request: Record<string, { Keys: Item[] }> | undefined = {
        [this.tableName]: { Keys: keys.slice(i, i + 100).map(itemKey) },
      }
      while (request && Object.keys(request).length > 0) {
        const page = await this.dynamo.batchGetItem({ RequestItems: request })
        for (const raw of page.Responses?.[this.tableName] ?? []) {
          const item = unmarshall(raw)
          const values: Record<string, number> = {}
          for (const [k, v] of Object.entries(item)) if (typeof v === 'number') values[k] = v
          out.set(String(item[USAGE_TABLE.partitionKey]), values)
        }
        request = page.UnprocessedKeys as typeof request
      }
    }
    return out
  }

  async claim(key: string, attr: string, value: number, expiresAt: number): Promise<boolean> {
    try {
      await this.dynamo.updateItem({
        TableName: this.tableName,
        Key: itemKey(key),
        // The TTL is set too: a claim may be the first write to a period's item.
        UpdateExpression: 'SET #a = :v, #ttl = if_not_exists(#ttl, :ttl)',
        ConditionExpression: 'attribute_not_exists(#a)',
        ExpressionAttributeNames: { '#a': attr, '#ttl': USAGE_TABLE.ttlAttribute },
        ExpressionAttributeValues: { ':v': { N: String(value) }, ':ttl': { N: String(expiresAt) } },
      })
      return true
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false
      throw err
    }
  }

  async release(key: string, attr: string): Promise<void> {
    await this.dynamo.updateItem({
      TableName: this.tableName,
      Key: itemKey(key),
      UpdateExpression: 'REMOVE #a',
      ExpressionAttributeNames: { '#a': attr },
    })
  }

  private addExpression(amounts: Record<string, number>, expiresAt: number) {
    const names: Record<string, string> = { '#ttl': USAGE_TABLE.ttlAttribute }
    const values: Record<string, number> = { ':ttl': expiresAt }
    const adds = Object.entries(amounts).map(([attr, amount], i) => {
      names[`#a${i}`] = attr
      values[`:a${i}`] = amount
      return `#a${i} :a${i}`
    })
    return { expression: `ADD ${adds.join(', ')} SET #ttl = :ttl`, names, values }
  }
}

/** A usage counter's item key (the usage table's partition key). */
export function itemKey(key: string): Item {
  return { [USAGE_TABLE.partitionKey]: { S: key } }
}

/** Counter attributes are numbers (`N`, a decimal string on the wire); absent ones count as 0. */
function pick(item: Item | undefined, attrs: string[]): Record<string, number> {
  return Object.fromEntries(attrs.map((a) => [a, Number(item?.[a]?.N ?? 0)]))
}
