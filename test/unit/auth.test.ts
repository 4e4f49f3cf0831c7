import { describe, expect, it } from 'vitest'
import { parseBearer } from '../../lambda/src/core/auth.js'

describe('Authorization parsing', () => {
  it.each([
    ['Bearer cxp_abc', 'cxp_abc'],
    ['bearer cxp_abc', 'cxp_abc'],
    ['Bearer   cxp_abc  ', 'cxp_abc'],
    ['BEARER sk-proj_x.y~z+/=', 'sk-proj_x.y~z+/='],
  ])('takes the token from %j', (header, token) => {
    expect(parseBearer(header)).toEqual({ ok: true, token })
  })

  it.each([
    ['absent', null, 'no Authorization header'],
    ['empty', '', 'no Authorization header'],
    ['blank', '   ', 'no Authorization header'],
    ['Basic credentials', 'Basic dXNlcjpwYXNz', 'Authorization is not of the form "Bearer <token>"'],
    ['a bare token', 'cxp_abc', 'Authorization is not of the form "Bearer <token>"'],
    ['Bearer without token', 'Bearer ', 'Authorization is not of the form "Bearer <token>"'],
    ['two joined headers', 'Bearer a, Bearer b', 'more than one Authorization header'],
    ['a token with spaces', 'Bearer a b', 'Authorization is not of the form "Bearer <token>"'],
  ])('refuses %s', (_name, header, reason) => {
    expect(parseBearer(header)).toEqual({ ok: false, reason })
  })
})
