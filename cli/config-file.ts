import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { configFromEnvironment, type Config, type ConfigInput } from '../core/config.js';
import { ConfigError } from '../core/errors.js';

/**
 * The configuration: a JSON or YAML file (`--config`, else `NETDRIFT_CONFIG`), with the
 * environment on top; with no file, the environment alone. A bad file names the bad key.
 */
export async function loadConfig(path: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  const file = path ?? env.NETDRIFT_CONFIG;
  if (!file) return configFromEnvironment(env);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const source = path !== undefined ? '--config' : 'NETDRIFT_CONFIG';
    const fix = code === 'ENOENT' ? `no such file; give ${source} a file that exists` : `cannot read (${code ?? String(error)}); give ${source} a readable file`;
    throw new ConfigError(`config ${file}: ${fix}`, { cause: error });
  }
  let document: unknown;
  try {
    document = ['.yaml', '.yml'].includes(extname(file).toLowerCase()) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).split('\n', 1)[0];
    throw new ConfigError(`config ${file}: not valid ${extname(file).toLowerCase() === '.json' ? 'JSON' : 'YAML'}: ${reason}`, { cause: error });
  }
  if (document !== null && document !== undefined && (typeof document !== 'object' || Array.isArray(document))) {
    throw new ConfigError(`config ${file}: expected a mapping of settings at the top level`);
  }
  return configFromEnvironment(env, (document ?? {}) as ConfigInput, `config ${file}`);
}
