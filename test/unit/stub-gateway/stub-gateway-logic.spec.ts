import {
  splitChunks,
  expectedCompletionText,
} from '../../../src/stub-gateway/completion.responder';
import { FaultRegistry } from '../../../src/stub-gateway/fault.registry';
import { ModelCatalog, langFromFileName } from '../../../src/stub-gateway/model-catalog.constants';
import { validateV3 } from '../../../src/stub-gateway/request-v3.validator';
import { validateV2 } from '../../../src/stub-gateway/request.validator';

const file = {
  file_name: 'a.go',
  content_above_cursor: 'package main\n',
  content_below_cursor: '',
};

describe('FaultRegistry', () => {
  const target = { api: 'v2' as const, provider: 'vertex-ai', model: 'code-gecko@002' };

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

describe('request validation', () => {
  const catalog = new ModelCatalog();

  it('resolves v2 models: default, provider only, provider and name', () => {
    const base = { prompt_version: 1, current_file: file };
    const model = (extra: object) => {
      const r = validateV2({ ...base, ...extra }, catalog);
      if (!r.ok) throw new Error(JSON.stringify(r.issues));
      return r.value.model;
    };
    expect(model({})).toEqual({ provider: 'vertex-ai', name: 'code-gecko@002' });
    expect(model({ model_name: 'ignored-without-provider' })).toEqual({
      provider: 'vertex-ai',
      name: 'code-gecko@002',
    });
    expect(model({ model_provider: 'fireworks_ai' })).toEqual({
      provider: 'fireworks_ai',
      name: 'qwen2p5-coder-7b',
    });
    expect(model({ model_provider: 'anthropic', model_name: 'claude-sonnet-4-20250514' })).toEqual({
      provider: 'anthropic',
      name: 'claude-sonnet-4-20250514',
    });
  });

  it('reports limits and types like pydantic', () => {
    const r = validateV2(
      {
        prompt_version: '2',
        prompt: 5,
        stream: 'maybe',
        project_id: 1.5,
        telemetry: Array.from({ length: 11 }, () => ({})),
        current_file: { ...file, file_name: 'x'.repeat(256) },
      },
      catalog,
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => `${i.type}@${i.loc.join('.')}`)).toEqual([
      'int_from_float@body.2.project_id',
      'string_too_long@body.2.current_file.file_name',
      'too_long@body.2.telemetry',
      'bool_parsing@body.2.stream',
      'string_type@body.2.prompt',
    ]);
    expect(r.issues[1].msg).toBe('String should have at most 255 characters');
  });

  it('requires a discriminator and an editor component first on v3', () => {
    expect(validateV2({ current_file: file }, catalog)).toMatchObject({
      ok: false,
      issues: [{ type: 'union_tag_not_found' }],
    });
    const ctxFirst = validateV3(
      {
        prompt_components: [
          { type: 'code_context', payload: { type: 'file', name: 'b.go', content: 'x' } },
          { type: 'code_editor_completion', payload: file },
        ],
      },
      catalog,
    );
    expect(ctxFirst.ok).toBe(false);
    const unknownType = validateV3({ prompt_components: [{ type: 'chat', payload: {} }] }, catalog);
    expect(unknownType).toMatchObject({ ok: false, issues: [{ type: 'union_tag_invalid' }] });
    const ok = validateV3(
      {
        prompt_components: [{ type: 'code_editor_generation', payload: { ...file, stream: true } }],
      },
      catalog,
    );
    expect(ok).toMatchObject({
      ok: true,
      value: { kind: 'generation', stream: true, fileName: 'a.go' },
    });
  });
});

describe('answers', () => {
  it('splits text into the requested number of non-empty chunks', () => {
    expect(splitChunks('abcdefgh', 3)).toEqual(['abc', 'def', 'gh']);
    expect(splitChunks('ab', 5)).toEqual(['a', 'b']);
    expect(splitChunks('é🙂x', 3)).toEqual(['é', '🙂', 'x']);
  });

  it('builds the deterministic text and languages', () => {
    const model = { provider: 'vertex-ai', name: 'code-gecko@002' };
    expect(
      expectedCompletionText({
        api: 'v2',
        kind: 'completion',
        variant: 'p2',
        model,
        fileName: 'x.ts',
      }),
    ).toBe('// completion by vertex-ai/code-gecko@002 via v2 p2\nsuggest("x.ts");\n');
    expect(langFromFileName('dir/Main.JAVA')).toBe('java');
    expect(langFromFileName('Makefile')).toBe('');
  });
});
