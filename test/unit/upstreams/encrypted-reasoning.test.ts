import { describe, expect, it } from 'vitest'
import { countEncryptedReasoning, isForeignEncryptedContentError, stripEncryptedReasoning } from '../../../lambda/src/core/upstreams/encrypted-reasoning.js'

describe('encrypted reasoning', () => {
  const input = [
    { role: 'user', content: 'a' },
    { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'gAAA1' },
    { type: 'reasoning', id: 'rs_2', summary: [{ type: 'summary_text', text: 's' }] },
    { type: 'reasoning', id: 'rs_3', encrypted_content: '' },
    { type: 'function_call', call_id: 'c', encrypted_content: 'not reasoning' },
    { type: 'reasoning', id: 'rs_4', encrypted_content: 'gAAA4' },
  ]

  it('drops only reasoning items that carry encrypted content', () => {
    const out = stripEncryptedReasoning({ model: 'gpt-5', input })!
    expect(out.removed).toBe(2)
    expect(out.json.input).toEqual([input[0], input[2], input[3], input[4]])
    expect(JSON.parse(new TextDecoder().decode(out.body))).toEqual(out.json)
    expect(countEncryptedReasoning({ input })).toBe(2)
  })

  it('has nothing to drop in bodies without such items or without an input list', () => {
    expect(stripEncryptedReasoning({ input: [input[0]] })).toBeUndefined()
    expect(stripEncryptedReasoning({ input: 'text' })).toBeUndefined()
    expect(stripEncryptedReasoning(undefined)).toBeUndefined()
    expect(countEncryptedReasoning({ input: null as unknown as [] })).toBe(0)
  })

  it("recognises OpenAI's refusal of foreign encrypted content, and nothing else", () => {
    const body = JSON.stringify({ error: { message: 'The encrypted content gAAA...DQ== could not be verified.', type: 'invalid_request_error', param: null, code: 'invalid_encrypted_content' } })
    expect(isForeignEncryptedContentError(400, body)).toBe(true)
    expect(isForeignEncryptedContentError(500, body)).toBe(false)
    expect(isForeignEncryptedContentError(400, JSON.stringify({ error: { code: 'invalid_value' } }))).toBe(false)
    expect(isForeignEncryptedContentError(400, 'The encrypted content gAAA could not be verified. (truncated')).toBe(true)
    expect(isForeignEncryptedContentError(400, '<html>')).toBe(false)
  })
})
