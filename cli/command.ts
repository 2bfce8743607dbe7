// A CLI subcommand: one file each in cli/commands/, listed in cli/main.ts.
export interface Command {
  name: string;
  /** One line for `podsec-play --help`. */
  summary: string;
  /** Full text for `podsec-play NAME --help`. */
  help: string;
  /** Returns the process exit code. Throw PlayError for clean failures (printed, no stack). */
  run(args: string[]): Promise<number>;
}
