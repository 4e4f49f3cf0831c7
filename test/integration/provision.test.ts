// Local provisioning waits for the tables to be usable: CreateTable answers while a table
// is CREATING, and a read then fails with ResourceNotFoundException (a clean-clone CI run
// failed this way once both tables were created at the same time).
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import dynalite from 'dynalite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureTables } from '../../lambda/src/local/provision.js'
import { dynamoClient } from '../../lambda/src/stores/dynamo-sdk.js'
import { dynamoHttpFor } from '../../lambda/src/stores/dynamo-http.js'

let server: Server
let endpoint: string
beforeAll(async () => {
  // A slow CreateTable (dynalite marks the table ACTIVE after createTableMs), as in AWS.
  server = dynalite({ createTableMs: 400 }) as unknown as Server
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve))
})

describe('ensureTables', () => {
  const local = () => ({ dynamodbEndpoint: endpoint, s3Endpoint: 'http://127.0.0.1:9' })

  it('resolves only once both tables answer reads', async () => {
    const names = { tokensTable: 'prov-tokens', usageTable: 'prov-usage' }
    await ensureTables(dynamoClient({ local: local() }), names)
    const wire = dynamoHttpFor({ local: local() }, { requestTimeoutMs: 2_000, maxAttempts: 1 })
    for (const table of [names.tokensTable, names.usageTable]) await expect(wire.getItem({ TableName: table, Key: { pk: { S: 'x' } } })).resolves.toBeDefined()
  })

  it('is a no-op on tables that exist (every serve start asks again)', async () => {
    await expect(ensureTables(dynamoClient({ local: local() }), { tokensTable: 'prov-tokens', usageTable: 'prov-usage' })).resolves.toBeUndefined()
  })

  it('gives up with the table named when it does not become ACTIVE in time', async () => {
    await expect(ensureTables(dynamoClient({ local: local() }), { tokensTable: 'prov-slow-a', usageTable: 'prov-slow-b' }, 50)).rejects.toThrow(/table prov-slow-[ab] is still CREATING after 50 ms/)
  })
})
