/** What a CLI command may touch: output streams, environment and working directory (tests pass fakes). */
export interface CliIO {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** stderr is a terminal: progress bars and colours (never for pipes, files or tests). */
  readonly stderrIsTTY?: boolean;
  /**
   * Where large output goes with backpressure (export); absent: written through `stdout`.
   * `write` resolves once the stream can take more.
   */
  readonly stdoutWrite?: (text: string) => Promise<void>;
  /**
   * `--quiet` / `-q` (any command; main.ts takes it off argv): no confirmations, summaries,
   * progress or hints. Results, `--json` output and errors still print.
   */
  readonly quiet?: boolean;
}

/** A confirmation or summary on stdout: silenced by `--quiet`. */
export function info(io: CliIO, text: string): void {
  if (io.quiet !== true) io.stdout(text);
}

/** A hint or progress line on stderr: silenced by `--quiet`. */
export function note(io: CliIO, text: string): void {
  if (io.quiet !== true) io.stderr(text);
}

/** A subcommand: parses its own argv (after the command words) and returns the process exit code. */
export type CliCommand = (argv: readonly string[], io: CliIO) => Promise<number>;

export function processIO(): CliIO {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
    stderrIsTTY: process.stderr.isTTY === true,
    stdoutWrite: (text) =>
      new Promise<void>((resolve) => {
        if (process.stdout.write(text)) resolve();
        else process.stdout.once("drain", resolve);
      }),
  };
}
