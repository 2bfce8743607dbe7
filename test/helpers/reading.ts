// What a preflight may run on a lab node: the stand-ins that only read (the facts script's
// programs and the checks' probes), each with arguments that read. A test holding every
// actions.log line to this proves a preflight changed nothing on the node.

export const READING_PROGRAMS = ['date', 'uname', 'ip', 'ss', 'swapon', 'findmnt', 'sysctl', 'df', 'rpm', 'timedatectl', 'curl', 'hostname'];

/** Does this stand-in run (actions.log argv) only read? */
export function onlyReads(argv: readonly string[]): boolean {
  const [program, ...args] = argv;
  switch (program) {
    case 'date':
      return !args.some((a) => a === '-s' || a.startsWith('--set'));
    case 'sysctl':
      return !args.some((a) => ['-w', '--write', '-p', '--system'].includes(a) || a.startsWith('--load'));
    case 'ip': {
      const words = args.filter((a) => !a.startsWith('-'));
      return ['show', 'list', 'get', undefined].includes(words[1]);
    }
    case 'timedatectl':
      return ['show', 'status', undefined].includes(args.find((a) => !a.startsWith('-')));
    case 'swapon':
      return args.some((a) => a.startsWith('--show') || a === '-s' || a === '--summary');
    case 'rpm':
      return args.includes('-q') || args.includes('-qa');
    case 'curl': {
      const o = args.indexOf('-o');
      return o < 0 || args[o + 1] === '/dev/null';
    }
    case 'uname':
    case 'ss':
    case 'findmnt':
    case 'df':
    case 'hostname':
      return true;
    default:
      return false;
  }
}
