/**
 * Where the GitLab Language Server bundle lives. It ships inside the npm package @gitlab/web-ide
 * (MIT); only 0.0.1-dev-20260106142046 (LS 8.54.0) has the Node bundle. See docs/language-server.md.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export const LANGUAGE_SERVER_PACKAGE = '@gitlab/web-ide';
export const LANGUAGE_SERVER_PACKAGE_VERSION = '0.0.1-dev-20260106142046';
export const LANGUAGE_SERVER_BUNDLE_SUBPATH =
  'dist/public/vscode/extensions/gitlab-vscode-extension/assets/language-server/main-bundle-node.js';
/** Environment variable that points straight at a main-bundle-node.js (wins when set). */
export const LANGUAGE_SERVER_BUNDLE_ENV = 'GITLAB_LS_BUNDLE';

export interface LocateBundleOptions {
  /** Where module resolution starts; default the repository root. */
  fromDir?: string;
  env?: NodeJS.ProcessEnv;
}

/** Absolute path of main-bundle-node.js, or undefined when the package (or file) is absent. */
export function locateLanguageServerBundle(options: LocateBundleOptions = {}): string | undefined {
  const env = options.env ?? process.env;
  const override = env[LANGUAGE_SERVER_BUNDLE_ENV];
  if (override) return existsSync(override) ? resolve(override) : undefined;

  const fromDir = options.fromDir ?? resolve(__dirname, '..', '..', '..');
  const candidates: string[] = [];
  try {
    const packageJson = require.resolve(`${LANGUAGE_SERVER_PACKAGE}/package.json`, {
      paths: [fromDir],
    });
    candidates.push(join(dirname(packageJson), LANGUAGE_SERVER_BUNDLE_SUBPATH));
  } catch {
    // not resolvable from fromDir: fall back to the plain node_modules layout below
  }
  candidates.push(
    join(fromDir, 'node_modules', LANGUAGE_SERVER_PACKAGE, LANGUAGE_SERVER_BUNDLE_SUBPATH),
  );
  return candidates.find((file) => existsSync(file));
}
