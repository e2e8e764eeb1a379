/** Where a command writes: injectable so tests and the demo can capture it. */
export interface CommandIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export const EXIT = { ok: 0, failure: 1, usage: 2, rejected: 3 } as const;
