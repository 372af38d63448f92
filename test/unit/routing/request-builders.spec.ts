import {
  buildCompletionComponentsBody,
  buildGenerationComponentsBody,
  buildUpstreamCall,
  buildV2Body,
  type PromptComponentsBody,
  type V2CompletionBody,
} from '../../../src/routing/request-builders';
import { decideRoute } from '../../../src/routing/routing-policy';
import type { CompletionInput, ModelSpec } from '../../../src/routing/routing.types';
import { context, F, fakeFlags, request, shippedCatalogue } from './routing-fakes';

const cat = shippedCatalogue();
const model = (key: string): ModelSpec => {
  const m = cat.models.get(key);
  if (!m) throw new Error(key);
  return m;
};
const CODESTRAL_FIM: ModelSpec = {
  key: 'codestral-fim',
  provider: 'fireworks_ai',
  name: 'codestral-2501',
  promptVersion: 2,
  promptFormat: 'codestral_fim',
  stopTokens: [],
  postProcessing: [],
  maxInputChars: 20,
};

const input = (over: Partial<CompletionInput> = {}): CompletionInput => ({
  current_file: {
    file_name: 'src/main.py',
    content_above_cursor: 'def add(a, b):\n    ',
    content_below_cursor: '\n\nprint(add(1, 2))\n',
  },
  ...over,
});

describe('v2 bodies', () => {
  it('prompt_version 1: model fields, no prompt, passthrough fields', () => {
    const body = buildV2Body(
      input({
        project_path: 'group/project',
        project_id: 7,
        stream: true,
        choices_count: 2,
        context: [{ type: 'file', name: 'util.py', content: 'def sub(a, b): ...' }],
        telemetry: [{ model_engine: 'x' }],
        current_file: {
          file_name: 'main.py',
          content_above_cursor: 'a',
          language_identifier: 'python',
        },
      }),
      model('codestral-2508-fireworks'),
    );
    expect(body).toEqual<V2CompletionBody>({
      prompt_version: 1,
      project_path: 'group/project',
      project_id: 7,
      current_file: {
        file_name: 'main.py',
        content_above_cursor: 'a',
        content_below_cursor: '',
        language_identifier: 'python',
      },
      model_provider: 'fireworks_ai',
      model_name: 'codestral-2508',
      stream: true,
      choices_count: 2,
      context: [{ type: 'file', name: 'util.py', content: 'def sub(a, b): ...' }],
      telemetry: [{ model_engine: 'x' }],
    });
    expect('prompt' in body).toBe(false);
  });

  it('defaults stream to false and trims content to 100,000 each side', () => {
    const body = buildV2Body(
      input({
        current_file: {
          file_name: 'a.py',
          content_above_cursor: 'A' + 'a'.repeat(100_000),
          content_below_cursor: 'b'.repeat(100_000) + 'B',
        },
      }),
      model('codestral-2508-vertex'),
    );
    expect(body.stream).toBe(false);
    expect(body.current_file.content_above_cursor).toBe('a'.repeat(100_000));
    expect(body.current_file.content_below_cursor).toBe('b'.repeat(100_000));
    expect(body).toMatchObject({
      model_provider: 'vertex-ai',
      model_name: 'codestral-2508',
      prompt_version: 1,
    });
  });

  it('prompt_version 2: a codestral fill-in-the-middle string within the budget', () => {
    const body = buildV2Body(
      input({
        current_file: {
          file_name: 'a.py',
          content_above_cursor: '0123456789ABCDEF',
          content_below_cursor: 'abcdefghij',
        },
      }),
      CODESTRAL_FIM,
    );
    expect(body.prompt_version).toBe(2);
    // budget 20: the last 16 above are kept, then the first 4 below
    expect(body.prompt).toBe('</s>[SUFFIX]abcd[PREFIX]0123456789ABCDEF[MIDDLE]');
  });

  it('prompt_version 3: system + user fill-in-the-middle messages for the backup model', () => {
    const body = buildV2Body(input(), model('claude-sonnet-4-5-fim'));
    expect(body).toMatchObject({
      prompt_version: 3,
      model_provider: 'anthropic',
      model_name: 'claude-sonnet-4-5-20250929',
    });
    const prompt = body.prompt as Array<{ role: string; content: string }>;
    expect(prompt.map((m) => m.role)).toEqual(['system', 'user']);
    expect(prompt[0].content).toContain("Python code at the cursor in the file 'src/main.py'");
    expect(prompt[1].content).toBe(
      '<SUFFIX>\n\n\nprint(add(1, 2))\n\n</SUFFIX>\n<PREFIX>\ndef add(a, b):\n    \n</PREFIX>',
    );
  });

  it('prompt_version 3 keeps the text above the cursor first within 50,000 characters', () => {
    const above = 'x'.repeat(60_000);
    const body = buildV2Body(
      input({
        current_file: {
          file_name: 'a.rb',
          content_above_cursor: above,
          content_below_cursor: 'tail',
        },
      }),
      model('claude-sonnet-4-5-fim'),
    );
    const user = (body.prompt as Array<{ content: string }>)[1].content;
    expect(user).toBe(`<SUFFIX>\n\n</SUFFIX>\n<PREFIX>\n${'x'.repeat(50_000)}\n</PREFIX>`);
  });
});

describe('prompt-components bodies (v3, v4)', () => {
  it('completion: one code_editor_completion component, context as code_context, no model under v4', () => {
    const body = buildCompletionComponentsBody(
      input({
        stream: true,
        choices_count: 3,
        context: [{ type: 'snippet', name: 'helper', content: 'x = 1' }],
      }),
    );
    expect(body).toEqual<PromptComponentsBody>({
      prompt_components: [
        {
          type: 'code_editor_completion',
          payload: {
            file_name: 'src/main.py',
            content_above_cursor: 'def add(a, b):\n    ',
            content_below_cursor: '\n\nprint(add(1, 2))\n',
            language_identifier: 'Python',
            stream: true,
            choices_count: 3,
          },
        },
        { type: 'code_context', payload: { type: 'snippet', name: 'helper', content: 'x = 1' } },
      ],
    });
  });

  it('completion with model_metadata: sent as given (GitLab shape)', () => {
    const metadata = {
      provider: 'gitlab',
      feature_setting: 'code_completions',
      identifier: 'codestral_2508_vertex',
    } as const;
    expect(buildCompletionComponentsBody(input(), metadata).model_metadata).toEqual(metadata);
  });

  it('generation: prompt id, version and enhancer', () => {
    const body = buildGenerationComponentsBody(
      input({
        user_instruction: 'add type hints',
        context: [
          { type: 'file', name: 'util.py', content: 'def sub(a, b): ...' },
          { type: 'snippet', name: 'greet', content: 'print("hi")' },
        ],
      }),
      { promptId: 'code_suggestions/generations', promptVersion: '2.0.0' },
    );
    expect(body.model_metadata).toBeUndefined();
    expect(body.prompt_components).toHaveLength(1);
    const c = body.prompt_components[0];
    if (c.type !== 'code_editor_generation') throw new Error(c.type);
    expect(c.payload).toMatchObject({
      file_name: 'src/main.py',
      language_identifier: 'Python',
      stream: false,
      prompt_id: 'code_suggestions/generations',
      prompt_version: '2.0.0',
    });
    expect(c.payload.prompt_enhancer).toEqual({
      examples_array: [],
      trimmed_content_above_cursor: 'def add(a, b):\n    ',
      trimmed_content_below_cursor: '\n\nprint(add(1, 2))\n',
      related_files: ['<file_content file_name="util.py">\ndef sub(a, b): ...\n</file_content>\n'],
      related_snippets: ['<snippet_content name="greet">\nprint("hi")\n</snippet_content>\n'],
      libraries: [],
      user_instruction: 'add type hints',
    });
  });

  it('generation without an instruction gets a default one; enhancer code blocks share 50,000 characters', () => {
    const body = buildGenerationComponentsBody(
      input({
        current_file: {
          file_name: 'a.go',
          content_above_cursor: 'a'.repeat(49_990),
          content_below_cursor: 'b'.repeat(100),
        },
      }),
      { promptId: 'code_suggestions/generations', promptVersion: '^1.0.0' },
    );
    const c = body.prompt_components[0];
    if (c.type !== 'code_editor_generation') throw new Error(c.type);
    expect(c.payload.prompt_enhancer.user_instruction.length).toBeGreaterThan(10);
    expect(c.payload.prompt_enhancer.trimmed_content_below_cursor).toBe('b'.repeat(10));
    expect(c.payload.content_below_cursor).toBe('b'.repeat(100));
    expect(c.payload.language_identifier).toBe('Go');
  });
});

describe('buildUpstreamCall', () => {
  const flagsFor = (...user: string[]) => fakeFlags({ user });

  it.each<[string, string[], boolean, string, string]>([
    ['default completion', [], false, '/v2/code/completions', 'v2:1'],
    ['v4 completion', [F.v4], false, '/v4/code/suggestions', 'code_editor_completion'],
    ['failover completion', [F.failover], false, '/v2/code/completions', 'v2:3'],
    ['generation, SSE', [], true, '/v4/code/suggestions', 'code_editor_generation'],
  ])('%s', (name, flags, sse, path, shape) => {
    const generation = name.startsWith('generation');
    const d = decideRoute(
      request({ intent: generation ? 'generation' : 'completion', supportsSseStreaming: sse }),
      context(),
      flagsFor(...flags),
      cat,
    );
    const call = buildUpstreamCall(input({ stream: true }), d);
    expect(call.path).toBe(path);
    expect(call.stream).toBe(true);
    const body = call.body;
    const got =
      'prompt_components' in body ? body.prompt_components[0].type : `v2:${body.prompt_version}`;
    expect(got).toBe(shape);
    if (name === 'v4 completion') {
      expect(body).toMatchObject({
        model_metadata: { provider: 'gitlab', feature_setting: 'code_completions' },
      });
    }
  });

  it('v4 completion with the beta model: model_metadata names its identifier', () => {
    const d = decideRoute(request(), context(), flagsFor(F.v4, F.codestral), cat);
    const body = buildUpstreamCall(input(), d).body;
    expect('model_metadata' in body && body.model_metadata).toEqual({
      provider: 'gitlab',
      feature_setting: 'code_completions',
      identifier: 'codestral_2508_vertex',
    });
  });

  it('refuses a v2 completion without a model', () => {
    const d = decideRoute(request(), context(), fakeFlags(), cat);
    expect(() => buildUpstreamCall(input(), { ...d, model: undefined })).toThrow(/needs a model/);
  });
});
