import {
  splitChunks,
  expectedCompletionText,
} from '../../../src/stub-gateway/completion.responder';
import { FaultRegistry } from '../../../src/stub-gateway/fault.registry';
import { langFromFileName } from '../../../src/stub-gateway/model-catalog.constants';
import { pyRepr, PyTuple } from '../../../src/stub-gateway/pydantic-repr';
import { validateSuggestion } from '../../../src/stub-gateway/request.validator';

const validateV2 = (body: unknown) => validateSuggestion('v2', body);
const validateV3 = (body: unknown) => validateSuggestion('v3', body);
const issuesOf = (r: ReturnType<typeof validateV2>) => (!r.ok && r.status === 422 ? r.issues : []);

const file = {
  file_name: 'a.go',
  content_above_cursor: 'package main\n',
  content_below_cursor: '',
};

describe('FaultRegistry', () => {
  const target = { api: 'v2' as const, provider: 'vertex-ai', model: 'codestral-2501' };

  it.each([0, 0.1, 0.25, 0.3, 0.5, 2 / 3, 1])(
    'fraction %p fails exactly that share of every window',
    (fraction) => {
      const reg = new FaultRegistry();
      reg.add({ status: 503, fraction });
      const fired = Array.from({ length: 60 }, () => (reg.pick(target) ? 1 : 0));
      expect(fired.reduce<number>((a, b) => a + b, 0)).toBe(Math.round(60 * fraction));
      const first10 = fired.slice(0, 10).reduce<number>((a, b) => a + b, 0);
      expect(Math.abs(first10 - 10 * fraction)).toBeLessThanOrEqual(1);
    },
  );

  it('lets non-firing requests fall through to the next matching fault', () => {
    const reg = new FaultRegistry();
    const half = reg.add({ status: 503, fraction: 0.5 });
    const all = reg.add({ status: 429, provider: 'vertex-ai' });
    const picked = Array.from({ length: 4 }, () => reg.pick(target)?.id);
    expect(picked).toEqual([all, half, all, half]);
    expect(reg.pick({ ...target, provider: 'anthropic' })?.id).toBeUndefined();
  });

  it('validates specs', () => {
    const reg = new FaultRegistry();
    expect(() => reg.add({ status: 42 })).toThrow();
    expect(() => reg.add({ fraction: 1.5 })).toThrow();
    expect(() => reg.add({ api: 'v9' } as never)).toThrow();
    expect(reg.size).toBe(0);
    expect(reg.remove('nope')).toBe(false);
  });
});

describe('request validation (from the pinned contract)', () => {
  it('resolves v2 models as the gateway serves them', () => {
    const base = { prompt_version: 1, current_file: file };
    const model = (extra: object) => {
      const r = validateV2({ ...base, ...extra });
      if (!r.ok) throw new Error(JSON.stringify(r));
      return r.value.model;
    };
    // No provider: the Vertex handler, codestral-2508 → codestral_2508_vertex.
    expect(model({})).toEqual({ provider: 'gitlab', name: 'codestral_2508_vertex' });
    expect(model({ model_provider: 'fireworks_ai' })).toEqual({
      provider: 'gitlab',
      name: 'codestral_2501_fireworks',
    });
    expect(
      model({ model_provider: 'anthropic', model_name: 'claude-sonnet-4-5-20250929' }),
    ).toEqual({ provider: 'gitlab', name: 'claude_sonnet_4_5_20250929' });
    expect(model({ model_provider: 'gitlab', model_name: '' })).toEqual({
      provider: 'gitlab',
      name: 'codestral_2508_fireworks',
    });
  });

  it('answers 500 where the gateway fails while serving an allowed name', () => {
    // On the allowlist, but neither in the legacy map nor a catalogue identifier.
    expect(
      validateV2({
        prompt_version: 1,
        current_file: file,
        model_provider: 'anthropic',
        model_name: 'claude-sonnet-4-5@20250929',
      }),
    ).toEqual({
      ok: false,
      status: 500,
      reason: 'Invalid model identifier: claude-sonnet-4-5@20250929',
    });
    // Without a provider the name is not checked, the Vertex handler keeps it, and it fails.
    expect(
      validateV2({ prompt_version: 1, current_file: file, model_name: 'no-provider' }),
    ).toMatchObject({ ok: false, status: 500 });
  });

  it('reports limits and types like pydantic, in field order', () => {
    const r = validateV2({
      prompt_version: 2,
      prompt: 5,
      stream: 'maybe',
      project_id: 1.5,
      telemetry: Array.from({ length: 11 }, () => ({})),
      current_file: { ...file, file_name: 'x'.repeat(256) },
    });
    expect(issuesOf(r).map((i) => `${i.type}@${i.loc.join('.')}`)).toEqual([
      'int_from_float@body.2.project_id',
      'string_too_long@body.2.current_file.file_name',
      'too_long@body.2.telemetry',
      'bool_parsing@body.2.stream',
      'string_type@body.2.prompt',
    ]);
    expect(issuesOf(r)[1]?.msg).toBe('String should have at most 255 characters');
    // A string tag does not match the Literal[2] of the discriminated union.
    expect(issuesOf(validateV2({ prompt_version: '2', current_file: file }))[0]?.type).toBe(
      'union_tag_invalid',
    );
  });

  it('requires a discriminator; a code_context first fails as the gateway fails (500)', () => {
    expect(issuesOf(validateV2({ current_file: file }))).toMatchObject([
      { type: 'union_tag_not_found', loc: ['body'] },
    ]);
    const ctxFirst = validateV3({
      prompt_components: [
        { type: 'code_context', payload: { type: 'file', name: 'b.go', content: 'x' } },
        { type: 'code_editor_completion', payload: file },
      ],
    });
    expect(ctxFirst).toMatchObject({ ok: false, status: 500 });
    const unknownType = validateV3({ prompt_components: [{ type: 'chat', payload: {} }] });
    expect(issuesOf(unknownType)).toMatchObject([
      { type: 'union_tag_invalid', loc: ['body', 'prompt_components', 0] },
    ]);
    const ok = validateV3({
      prompt_components: [{ type: 'code_editor_generation', payload: { ...file, stream: true } }],
    });
    expect(ok).toMatchObject({
      ok: true,
      value: { kind: 'generation', stream: true, fileName: 'a.go' },
    });
  });

  it('ignores a model_metadata that does not resolve, serving the default (as the gateway)', () => {
    const r = validateSuggestion('v4', {
      prompt_components: [{ type: 'code_editor_completion', payload: file }],
      model_metadata: { provider: 'gitlab', identifier: 'code-gecko@002' },
    });
    expect(r).toMatchObject({
      ok: true,
      value: {
        model: { provider: 'gitlab', name: 'codestral_2508_fireworks' },
        modelMetadataIgnored: 'Invalid model identifier: code-gecko@002',
      },
    });
  });
});

describe('pydantic repr', () => {
  it('renders errors as Python prints them', () => {
    expect(pyRepr([{ loc: new PyTuple(['body', 1]), input: null, ok: true, n: 1.5 }])).toBe(
      "[{'loc': ('body', 1), 'input': None, 'ok': True, 'n': 1.5}]",
    );
    expect(pyRepr(new PyTuple(['body']))).toBe("('body',)");
    expect(pyRepr("it's")).toBe('"it\'s"');
    expect(pyRepr('a\nb\\')).toBe("'a\\nb\\\\'");
  });
});

describe('answers', () => {
  it('splits text into the requested number of non-empty chunks', () => {
    expect(splitChunks('abcdefgh', 3)).toEqual(['abc', 'def', 'gh']);
    expect(splitChunks('ab', 5)).toEqual(['a', 'b']);
    expect(splitChunks('é🙂x', 3)).toEqual(['é', '🙂', 'x']);
  });

  it('builds the deterministic text and languages', () => {
    const model = { provider: 'gitlab', name: 'codestral_2508_vertex' };
    expect(
      expectedCompletionText({
        api: 'v2',
        kind: 'completion',
        variant: 'p2',
        model,
        fileName: 'x.ts',
      }),
    ).toBe('// completion by gitlab/codestral_2508_vertex via v2 p2\nsuggest("x.ts");\n');
    expect(langFromFileName('dir/Main.JAVA')).toBe('java');
    expect(langFromFileName('Makefile')).toBe('');
  });
});
