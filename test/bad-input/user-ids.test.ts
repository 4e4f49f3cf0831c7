// User and team names: the contract (contracts/tables.ts `nameProblem`) refuses ids that
// could be read as something else — above all a user id that looks like a token id, which
// made `tokens show/disable <that user>` act on another user's token (issue 10, finding 10).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nameProblem } from '../../lambda/src/contracts/tables.js'
import { TOKEN_ID_PATTERN } from '../../lambda/src/contracts/token.js'
import { TokenAdmin, TokenAdminError } from '../../lambda/src/stores/token-admin.js'
import { startTestStores, type TestStores } from '../support/stores.js'

describe('nameProblem', () => {
  it.each(['alice', 'alice@example.com', 'a.b_c+d-e', 'A', '0', 'x'.repeat(128), 'token_alice', 'to_k', 'ok_tok_'])('accepts user %j', (name) => {
    expect(nameProblem('user', name)).toBeUndefined()
  })

  it.each([
    ['tok_e7b710353fba', /"tok_" starts token ids/],
    ['tok_', /"tok_" starts token ids/],
    ['tok_alice', /"tok_" starts token ids/],
    ['TOK_e7b710353fba', /"tok_" starts token ids/],
    ['Tok_x', /"tok_" starts token ids/],
    ['', /not valid/],
    ['x'.repeat(129), /not valid/],
    ['-alice', /not valid/],
    ['.alice', /not valid/],
    ['alice bob', /not valid/],
    ['alice\n', /not valid/],
    ['alice\u0000', /not valid/],
    ['alice/../bob', /not valid/],
    ['alice#team', /not valid/],
    ['álice', /not valid/],
    ['alice\u200b', /not valid/],
    ['a'.repeat(100_000), /not valid/],
  ])('refuses user %j', (name, message) => {
    const problem = nameProblem('user', name)
    expect(problem).toMatch(message)
    // A huge name is quoted cut short.
    expect(problem!.length).toBeLessThan(400)
  })

  it('teams do not share the token-id namespace on the command line, and keep the charset rule', () => {
    expect(nameProblem('team', 'tok_team')).toBeUndefined()
    expect(nameProblem('team', 'a b')).toMatch(/team "a b" is not valid/)
  })
})

describe('TokenAdmin refuses a user id that looks like a token id (dynalite)', () => {
  let stores: TestStores
  let admin: TokenAdmin
  beforeAll(async () => {
    stores = await startTestStores()
    admin = new TokenAdmin(stores.doc, stores.names.tokensTable)
  })
  afterAll(() => stores.close())

  it('so that resolving that name can only ever mean the token', async () => {
    const { item: victim } = await admin.create({ user: 'victim' })
    expect(victim.token_id).toMatch(TOKEN_ID_PATTERN)
    await expect(admin.create({ user: victim.token_id })).rejects.toThrow(TokenAdminError)
    await expect(admin.create({ user: victim.token_id.toUpperCase() })).rejects.toThrow(/"tok_" starts token ids/)
    // Nothing was written under the token-like name.
    expect(await admin.list(victim.token_id)).toEqual([])
    const resolved = await admin.resolve(victim.token_id)
    expect(resolved.map((t) => t.user_id)).toEqual(['victim'])
  })
})
