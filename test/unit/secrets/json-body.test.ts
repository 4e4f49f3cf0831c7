import { describe, expect, it } from 'vitest'
import { createSecretScanner } from '../../../lambda/src/secrets/index.js'
import { positiveFixtures } from '../../fixtures/secrets/positives.js'
import { codexBody, toolOutput, userMessage } from './body-helpers.js'

const fixture = (ruleId: string) => positiveFixtures().find((p) => p.rule_id === ruleId)!
const github = fixture('github-pat')
const pem = fixture('private-key')

describe('scanning a Codex request body', () => {
  it('labels a finding with the input item index and type', () => {
    const body = codexBody([userMessage('hi'), userMessage('hello'), { type: 'reasoning', summary: [] }, toolOutput(github.text)])
    const [finding] = createSecretScanner().scanJsonBody(body, { redact: false }).findings
    expect(finding).toMatchObject({ rule_id: 'github-pat', location: 'input[3].output', item: 'input[3] (function_call_output)' })
  })

  it('locates a secret in a message content part by its full JSON path', () => {
    const body = codexBody([userMessage('hi'), userMessage(`please use ${github.secret}`)])
    const [finding] = createSecretScanner().scanJsonBody(body, { redact: false }).findings
    expect(finding).toMatchObject({ location: 'input[1].content[0].text', item: 'input[1] (message)', offset: 'please use '.length })
  })

  it('scans instructions and tool definitions, not only input items', () => {
    const body = codexBody([userMessage('hi')], { instructions: `Deploy with ${github.secret}` })
    const [finding] = createSecretScanner().scanJsonBody(body, { redact: false }).findings
    expect(finding).toMatchObject({ location: 'instructions', item: 'instructions' })
  })

  it('scans tool call arguments, which are JSON encoded inside a JSON string', () => {
    const call = { type: 'function_call', name: 'shell', call_id: 'c', arguments: JSON.stringify({ command: ['bash', '-lc', `echo ${github.secret}`] }) }
    const [finding] = createSecretScanner().scanJsonBody(codexBody([call]), { redact: false }).findings
    expect(finding).toMatchObject({ location: 'input[0].arguments', item: 'input[0] (function_call)' })
  })

  it('scans custom tool call input and array tool outputs', () => {
    const patch = { type: 'custom_tool_call', name: 'apply_patch', call_id: 'c', input: `+TOKEN=${github.secret}` }
    const parts = { type: 'function_call_output', call_id: 'c', output: [{ type: 'input_text', text: github.text }] }
    const findings = createSecretScanner().scanJsonBody(codexBody([patch, parts]), { redact: false }).findings
    expect(findings.map((f) => f.location)).toEqual(['input[0].input', 'input[1].output[0].text'])
  })

  it('finds a secret whose characters are written as \\u escapes in the raw JSON', () => {
    const raw = codexBody([userMessage(github.text)]).replace('ghp_', '\\u0067\\u0068\\u0070_')
    expect(raw).not.toContain(github.secret)
    const findings = createSecretScanner().scanJsonBody(raw, { redact: false }).findings
    expect(findings.map((f) => f.rule_id)).toEqual(['github-pat'])
  })

  it('finds a PEM private key whose lines are split by \\n escapes', () => {
    const raw = codexBody([toolOutput(pem.text)])
    expect(raw).toContain('\\n')
    const findings = createSecretScanner().scanJsonBody(raw, { redact: false }).findings
    expect(findings.map((f) => f.rule_id)).toEqual(['private-key'])
  })

  it('finds a PEM private key inside tool call arguments, where its newlines are escaped twice', () => {
    const call = { type: 'function_call', name: 'shell', call_id: 'c', arguments: JSON.stringify({ command: ['bash', '-lc', `printf '${pem.text}' > id_rsa`] }) }
    const findings = createSecretScanner().scanJsonBody(codexBody([call]), { redact: false }).findings
    expect(findings.map((f) => f.rule_id)).toEqual(['private-key'])
  })

  it('skips base64 image data URLs', () => {
    const image = { type: 'input_image', image_url: `data:image/png;base64,${Buffer.from(github.text).toString('base64')}${github.secret}` }
    const body = codexBody([{ type: 'message', role: 'user', content: [image] }])
    const result = createSecretScanner().scanJsonBody(body, { redact: false })
    expect(result.findings).toEqual([])
    expect(result.stats.charsScanned).toBeLessThan(200)
  })

  it('scans an image URL that is not a data URL, since URLs can carry credentials', () => {
    const image = { type: 'input_image', image_url: `https://ci:${fixture('basic-auth-url').secret}@ci.acme-internal.com/shot.png` }
    const findings = createSecretScanner().scanJsonBody(codexBody([{ type: 'message', role: 'user', content: [image] }]), { redact: false }).findings
    expect(findings.map((f) => f.rule_id)).toEqual(['basic-auth-url'])
  })

  it('skips encrypted reasoning content and input file data', () => {
    const reasoning = { type: 'reasoning', summary: [], encrypted_content: github.secret }
    const file = { type: 'message', role: 'user', content: [{ type: 'input_file', filename: 'a.pdf', file_data: github.secret }] }
    expect(createSecretScanner().scanJsonBody(codexBody([reasoning, file]), { redact: false }).findings).toEqual([])
  })

  it('still scans the reasoning summary a model reads', () => {
    const reasoning = { type: 'reasoning', summary: [{ type: 'summary_text', text: github.text }], encrypted_content: 'gAAAA' }
    const [finding] = createSecretScanner().scanJsonBody(codexBody([reasoning]), { redact: false }).findings
    expect(finding?.location).toBe('input[0].summary[0].text')
  })

  it('scans a body that is not JSON as plain text', () => {
    const result = createSecretScanner().scanJsonBody(`not json ${github.secret}`, { redact: true })
    expect(result.findings).toMatchObject([{ rule_id: 'github-pat', location: 'body', offset: 'not json '.length }])
    expect(result.redacted).toBe('not json [REDACTED:github-pat]')
  })

  it('scans a body whose items are malformed inside as plain text', () => {
    const raw = `{"input":[{"type":"message","text" "${github.secret}"}]}`
    const result = createSecretScanner().scanJsonBody(raw, { redact: true })
    expect(result.findings.map((f) => f.location)).toEqual(['body'])
    expect(result.redacted).not.toContain(github.secret)
  })

  it('scans a body nested deeper than the walk can recurse as plain text', () => {
    const depth = 200_000
    const raw = `{"input":[${'['.repeat(depth)}"${github.secret}"${']'.repeat(depth)}]}`
    const result = createSecretScanner().scanJsonBody(raw, { redact: false })
    expect(result.findings.map((f) => [f.rule_id, f.location])).toEqual([['github-pat', 'body']])
  })

  it('scans a top-level string input as one unit', () => {
    const body = JSON.stringify({ model: 'm', input: `use ${github.secret}` })
    const [finding] = createSecretScanner().scanJsonBody(body, { redact: false }).findings
    expect(finding).toMatchObject({ location: 'input', item: 'input' })
  })

  it('reports nothing for a body without secrets', () => {
    const result = createSecretScanner().scanJsonBody(codexBody([userMessage('fix the failing test')]), { redact: true })
    expect(result.findings).toEqual([])
    expect(result.redacted).toBeUndefined()
  })
})
