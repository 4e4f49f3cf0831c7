import { describe, expect, it } from 'vitest'
import { allowListsOf, filterModelList, isModelAllowed, modelOfLookupPath } from '../../../lambda/src/core/governance/model-policy.js'

describe('model allow-lists', () => {
  it.each([
    ['gpt-5', [['gpt-5']], true],
    ['gpt-5-mini', [['gpt-5']], false],
    ['gpt-5-mini', [['gpt-5*']], true],
    ['gpt-5.1-codex', [['gpt-5*', 'o4-mini']], true],
    ['o4-mini', [['gpt-5*', 'o4-mini']], true],
    ['o3', [['gpt-5*', 'o4-mini']], false],
    ['GPT-5', [['gpt-5']], true],
    ['gpt-4o', [['gpt-4?']], true],
    ['gpt-4.1', [['gpt-4?']], false],
    ['gpt-5-mini', [['gpt-5*'], ['*-mini']], true],
    ['gpt-5', [['gpt-5*'], ['*-mini']], false],
    ['gpt-5.x', [['gpt-5.*']], true],
    ['gpt-5x', [['gpt-5.*']], false],
  ])('%s against %j → %s', (model, lists, allowed) => {
    expect(isModelAllowed(model, lists)).toBe(allowed)
  })

  it('applies the token list and the team list together', () => {
    expect(allowListsOf({ token_id: 't', user_id: 'u', models: ['gpt-5*'], team: 'x', team_policy: { models: ['*-mini'] } })).toEqual([['gpt-5*'], ['*-mini']])
    expect(allowListsOf({ token_id: 't', user_id: 'u' })).toEqual([])
    expect(allowListsOf({ token_id: 't', user_id: 'u', models: [] })).toEqual([])
  })

  it('filters a model list to the allowed models', () => {
    const list = { object: 'list', data: [{ id: 'gpt-5' }, { id: 'o3' }, { id: 'gpt-5-mini' }, { object: 'model' }] }
    expect(filterModelList(list, [['gpt-5*']])).toEqual({ object: 'list', data: [{ id: 'gpt-5' }, { id: 'gpt-5-mini' }] })
  })

  it('shows no model for a body that is not a model list', () => {
    // Default-deny: a body of an unknown shape lists no model rather than passing through.
    expect(filterModelList({ error: 'x' }, [['gpt-5']])).toEqual({ object: 'list', data: [] })
  })

  it('names the model of a single-model lookup', () => {
    expect(modelOfLookupPath('/v1/models/gpt-5')).toBe('gpt-5')
    expect(modelOfLookupPath('/v1/models/ft%3Agpt-4o%3Aorg')).toBe('ft:gpt-4o:org')
    expect(modelOfLookupPath('/v1/models')).toBeUndefined()
  })
})
