import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FlagDefinitionError, loadFlagDefinitions } from '../../../src/flags/flag-definitions';

const SHIPPED = path.resolve(__dirname, '../../../config/feature_flags');
const LOGGING = 'ops/expanded_ai_logging.yml';

/** A copy of the shipped definitions (the loader insists every typed key is defined). */
function copyOfShipped(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flag-defs-'));
  fs.cpSync(SHIPPED, dir, { recursive: true });
  return dir;
}

describe('flag definition loader', () => {
  let dir: string;
  beforeEach(() => {
    dir = copyOfShipped();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
    return path.join(dir, rel);
  };
  const edit = (rel: string, change: (text: string) => string) =>
    write(rel, change(fs.readFileSync(path.join(dir, rel), 'utf8')));
  const loadError = (): Error => {
    try {
      loadFlagDefinitions(dir);
    } catch (err) {
      return err as Error;
    }
    throw new Error('expected the definitions to be refused');
  };

  it('loads the shipped definitions with their fields', () => {
    const defs = loadFlagDefinitions(dir);
    expect(defs.get('ai_duo_code_suggestions_switch')).toMatchObject({
      type: 'ops',
      defaultEnabled: true,
    });
    expect(defs.get('expanded_ai_logging')).toMatchObject({
      name: 'expanded_ai_logging',
      type: 'ops',
      defaultEnabled: false,
      milestone: '16.8',
      group: 'group::code creation',
      rolloutIssueUrl: null,
      path: path.join(dir, LOGGING),
    });
  });

  it('a file that does not parse stops the start, naming its path', () => {
    const file = write('ops/broken_flag.yml', 'name: broken_flag\ntype: [ops\n');
    const err = loadError();
    expect(err).toBeInstanceOf(FlagDefinitionError);
    expect(err.message).toContain(file);
    expect(err.message).toContain('not valid YAML');
  });

  it('an unknown (misspelt) field is refused, naming the file and the field', () => {
    const file = edit(LOGGING, (t) => `${t}\ndefault_enabeld: true\n`);
    const err = loadError();
    expect(err).toBeInstanceOf(FlagDefinitionError);
    expect(err.message).toContain(file);
    expect(err.message).toContain('default_enabeld');
  });

  it('a field of the wrong kind is refused, naming the field', () => {
    const file = edit(LOGGING, (t) => t.replace('default_enabled: false', "default_enabled: 'no'"));
    expect(loadError().message).toMatch(new RegExp(`^${file}: default_enabled `));
    edit(LOGGING, (t) => t.replace("default_enabled: 'no'", 'default_enabled: false'));
    edit(LOGGING, (t) => t.replace('type: ops', 'type: operational'));
    expect(loadError().message).toMatch(new RegExp(`^${file}: type `));
  });

  it('a missing required field is refused, naming the field', () => {
    for (const field of ['name', 'type', 'default_enabled']) {
      fs.rmSync(dir, { recursive: true, force: true });
      dir = copyOfShipped();
      const file = edit(LOGGING, (t) =>
        t
          .split('\n')
          .filter((l) => !l.startsWith(`${field}:`))
          .join('\n'),
      );
      expect(loadError().message).toMatch(new RegExp(`^${file}: ${field} `));
    }
  });

  it('the folder must match the type and the file name the flag name', () => {
    fs.renameSync(path.join(dir, LOGGING), path.join(dir, 'beta/expanded_ai_logging.yml'));
    expect(loadError().message).toMatch(/type ops does not match folder beta/);
    fs.renameSync(path.join(dir, 'beta/expanded_ai_logging.yml'), path.join(dir, LOGGING));
    write('ops/other_name.yml', fs.readFileSync(path.join(dir, LOGGING), 'utf8'));
    expect(loadError().message).toMatch(/other_name\.yml: name expanded_ai_logging does not match/);
  });

  it('a flag the code asks for must have a definition', () => {
    fs.rmSync(path.join(dir, LOGGING));
    expect(loadError().message).toMatch(
      /expanded_ai_logging is used by the code but has no definition/,
    );
  });
});
