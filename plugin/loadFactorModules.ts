import { createRequire } from 'node:module';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MfaError } from './errors.ts';
import { builtInFactors } from './factors/index.ts';
import type { AnyFactorProviderFactory } from './spi/factor.ts';
import { validateFactor } from './engine/validateFactor.ts';

export interface LoadFactorModulesOptions {
  /** Where relative folder paths and package names are resolved from. @default process.cwd() */
  cwd?: string;
  /** Factors registered already (the built-in ones): a loaded factor may not take their ids or tables. */
  registered?: readonly AnyFactorProviderFactory[];
}

/** A comma-separated list (MFA_FACTORS) as module names: blanks dropped. */
export function parseFactorModuleList(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function isPath(spec: string): boolean {
  return spec.startsWith('.') || isAbsolute(spec);
}

/** A folder path is resolved from `cwd` (its package.json `exports`/`main`, or index.js); a package name from `cwd`'s node_modules. */
function moduleUrl(spec: string, cwd: string): string {
  const require = createRequire(resolve(cwd, 'mfa-factors.cjs'));
  const target = isPath(spec) ? resolve(cwd, spec) : spec;
  try {
    return pathToFileURL(require.resolve(target)).href;
  } catch {
    // ESM-only packages (exports with only an "import" condition) and files require cannot resolve: let import() try.
    return isPath(spec) ? pathToFileURL(target).href : spec;
  }
}

/** The factories a module exports: its default export or its `factor` export, one factory or an array of them. */
function exportedFactories(module: Record<string, unknown>, spec: string): unknown[] {
  const exported = module.default ?? module.factor;
  if (exported === undefined) {
    throw new MfaError('CONFIGURATION', `MFA_FACTORS: ${spec} exports no factor: export a FactorProviderFactory (or an array of them) as default or as "factor".`);
  }
  return Array.isArray(exported) ? exported : [exported];
}

/**
 * A site's factors: the built-in ones, then those its configuration names (MFA_FACTORS,
 * comma-separated package names or folder paths; relative paths are from `cwd`).
 */
export async function siteFactors(moduleList: readonly string[], cwd: string = process.cwd()): Promise<AnyFactorProviderFactory[]> {
  return [...builtInFactors, ...(await loadFactorModules(moduleList, { cwd, registered: builtInFactors }))];
}

/**
 * Loads third-party factors from packages or folders (the site's MFA_FACTORS), checks each
 * against the SPI (validateFactor) and returns them in the order given, ready to register
 * after the built-in ones. A module that cannot be loaded or does not fit stops the start
 * with a CONFIGURATION error that names it and says what to fix.
 *
 * @example
 * const extra = await loadFactorModules(parseFactorModuleList(process.env.MFA_FACTORS), { registered: builtInFactors });
 * const mfa = createMfaPlugin({ db, host, secretKey, factors: [...builtInFactors, ...extra] });
 */
export async function loadFactorModules(specs: readonly string[], options: LoadFactorModulesOptions = {}): Promise<AnyFactorProviderFactory[]> {
  const cwd = options.cwd ?? process.cwd();
  const loaded: AnyFactorProviderFactory[] = [];
  for (const spec of specs) {
    let module: Record<string, unknown>;
    try {
      module = (await import(moduleUrl(spec, cwd))) as Record<string, unknown>;
    } catch (error) {
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
      throw new MfaError('CONFIGURATION', `MFA_FACTORS: cannot load ${spec} (${reason}). Give a package name or a folder path (relative paths are from ${cwd}).`);
    }
    for (const candidate of exportedFactories(module, spec)) {
      loaded.push(validateFactor(candidate, [...(options.registered ?? []), ...loaded], `MFA_FACTORS: ${spec}`));
    }
  }
  return loaded;
}
