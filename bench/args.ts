/** What the command line asks for. */
export interface BenchArgs {
  quick: boolean;
  /** Names of the workloads to run; empty for all of them. */
  only: string[];
  markdown: boolean;
  list: boolean;
  help: boolean;
}

export const USAGE = `Usage: npm run bench -- [options]

  --only <name>[,<name>]  run only these workloads (repeatable)
  --quick                 a tenth of the data: for development, not for the record
  --markdown              also print the results as a Markdown table
  --list                  list the workloads and exit
  --help                  this text`;

export function parseArgs(argv: readonly string[]): BenchArgs {
  const args: BenchArgs = { quick: false, only: [], markdown: false, list: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--quick') args.quick = true;
    else if (arg === '--markdown') args.markdown = true;
    else if (arg === '--list') args.list = true;
    else if (arg === '--help' || arg === '-h') args.help = true;
    else if (arg === '--only' || arg.startsWith('--only=')) {
      const value = arg === '--only' ? argv[++i] : arg.slice('--only='.length);
      if (!value) throw new Error('--only needs a workload name');
      args.only.push(...value.split(',').filter((name) => name.length > 0));
    } else throw new Error(`unknown option ${arg}\n\n${USAGE}`);
  }
  return args;
}
