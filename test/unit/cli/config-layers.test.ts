import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { readConfigFile } from '../../../src/cli/config-file.js'
import { layerFlags } from '../../../src/cli/flag-layers.js'
import { effectiveConfig, REDACTED } from '../../../src/cli/print-config.js'
import { SERVE_FLAGS } from '../../../src/cli/serve.js'

const dir = mkdtempSync(join(tmpdir(), 'ssehub-config-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function configFile(content: unknown): string {
  const path = join(dir, 'ssehub.json')
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content))
  return path
}

describe('the config file', () => {
  it('reads each flag by its camelCase key, numbers as the flags take them', () => {
    const file = readConfigFile(
      configFile({ historySize: 5, noClock: true, corsOrigins: 'https://a.example' }),
      SERVE_FLAGS,
    )
    expect(file.values).toEqual({
      'history-size': '5',
      'no-clock': true,
      'cors-origins': 'https://a.example',
    })
    expect(file.label('history-size')).toBe('ssehub.json: "historySize"')
  })

  it.each([
    [{ histroySize: 1 }, /^ssehub\.json: "histroySize" is not a setting/],
    [{ historysize: 1 }, /did you mean "historySize"\?/],
    [{ noClock: 'yes' }, /^ssehub\.json: "noClock" must be true or false, got "yes"$/],
    [{ port: [3000] }, /^ssehub\.json: "port" must be a string or a number, got \[3000\]$/],
    [{ help: true }, /"help" is not a setting/],
    [[1], /must be a JSON object/],
    ['{"port": 30', /not valid JSON/],
  ])('refuses %j with a message naming the key', (content, message) => {
    expect(() => readConfigFile(configFile(content), SERVE_FLAGS)).toThrow(message)
  })

  it('reads a repeatable flag from an array under its plural key, or from one string', () => {
    const list = readConfigFile(configFile({ publicTopics: ['news', '/users/{id}'] }), SERVE_FLAGS)
    expect(list.values['public-topic']).toEqual(['news', '/users/{id}'])
    expect(list.label('public-topic')).toBe('ssehub.json: "publicTopics"')
    const one = readConfigFile(configFile({ publicTopics: 'news' }), SERVE_FLAGS)
    expect(one.values['public-topic']).toEqual(['news'])
    expect(() => readConfigFile(configFile({ publicTopics: ['news', 1] }), SERVE_FLAGS)).toThrow(
      /^ssehub\.json: "publicTopics" must be an array of strings, got \["news",1\]$/,
    )
  })

  it('refuses a file it cannot read, naming it', () => {
    expect(() => readConfigFile(join(dir, 'missing.json'), SERVE_FLAGS)).toThrow(
      /--config: cannot read .*missing\.json/,
    )
  })
})

describe('flag layers', () => {
  const file = () =>
    readConfigFile(configFile({ port: 8080, host: '127.0.0.1', heartbeat: 5 }), SERVE_FLAGS)

  it('takes a flag over its environment variable over the file over the default', () => {
    const layered = layerFlags(SERVE_FLAGS, { port: '9000' }, { PORT: '7000', HOST: '::1' }, file())
    expect(layered.values.port).toBe('9000')
    expect(layered.values.host).toBe('::1')
    expect(layered.values.heartbeat).toBe('5')
    expect(layered.values.retry).toBeUndefined()
    expect([layered.label('port'), layered.label('host'), layered.label('heartbeat')]).toEqual([
      '--port',
      'HOST',
      'ssehub.json: "heartbeat"',
    ])
  })

  it('counts an empty variable as unset, but an empty key as a mistake', () => {
    const layered = layerFlags(SERVE_FLAGS, {}, { PORT: '', SSEHUB_PUBLISH_KEY: '' }, undefined)
    expect(layered.values.port).toBeUndefined()
    expect(layered.values['publish-key']).toBe('')
    expect(layered.label('publish-key')).toBe('SSEHUB_PUBLISH_KEY')
  })

  it('reads a repeatable flag from its variable as values separated by spaces', () => {
    const env = { SSEHUB_PUBLIC_TOPICS: ' news  /users/{id} ' }
    expect(layerFlags(SERVE_FLAGS, {}, env, undefined).values['public-topic']).toEqual([
      'news',
      '/users/{id}',
    ])
    const given = layerFlags(SERVE_FLAGS, { 'public-topic': ['a'] }, env, undefined)
    expect(given.values['public-topic']).toEqual(['a'])
    expect(effectiveConfig(SERVE_FLAGS, given)).toEqual({ publicTopics: ['a'] })
  })

  it('reads a switch from its variable as 1/0, true/false, and refuses anything else', () => {
    expect(
      layerFlags(SERVE_FLAGS, {}, { SSEHUB_ANONYMOUS: 'off' }, undefined).values.anonymous,
    ).toBe(false)
    expect(() => layerFlags(SERVE_FLAGS, {}, { SSEHUB_ANONYMOUS: 'maybe' }, undefined)).toThrow(
      'SSEHUB_ANONYMOUS must be 1 or 0 (true or false), got "maybe"',
    )
  })
})

describe('--config limits', () => {
  it('reads no more of a config file than its limit: a device given by mistake is refused', () => {
    expect(() => readConfigFile('/dev/zero', SERVE_FLAGS)).toThrow(
      /zero: larger than 1048576 bytes/,
    )
  })
})

describe('--print-config', () => {
  it('shows the settings given, keys and URL passwords redacted, whole numbers as numbers', () => {
    const layered = layerFlags(
      SERVE_FLAGS,
      { 'publish-key': 'hunter2', 'jwt-key': 'k' },
      { REDIS_URL: 'redis://user:pw@redis.internal:6379/0', PORT: '8080' },
      undefined,
    )
    const config = effectiveConfig(SERVE_FLAGS, layered)
    expect(config).toEqual({
      port: 8080,
      publishKey: REDACTED,
      redis: 'redis://user:***@redis.internal:6379/0',
      jwtKey: REDACTED,
    })
    expect(JSON.stringify(config)).not.toMatch(/hunter2|pw@/)
  })
})
