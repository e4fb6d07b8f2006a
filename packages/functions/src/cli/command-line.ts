import { parseArgs } from 'node:util';
import { AppError, ConfigError } from '@parley/core';
import { DatabaseBusyError } from '../local/open-database.js';

// The command-line tools' one way to read their arguments, print their help and report mistakes:
// `--help` prints the usage, and a wrong command, flag or value is one line naming what is accepted.

export interface Flag {
  type: 'string' | 'boolean';
  /** The value's placeholder in the usage: `<uuid>`. */
  value?: string;
  description: string;
  required?: boolean;
}

export interface Command {
  description: string;
  flags?: Record<string, Flag>;
}

export interface Tool {
  /** How it is run: `npm run keys --`. */
  run: string;
  description: string;
  /** Its commands; a tool without any takes only its own flags. */
  commands?: Record<string, Command>;
  flags?: Record<string, Flag>;
  /** Lines after the usage. */
  notes?: string[];
}

/** A mistake in the command line: printed as one line, exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface CommandLine {
  command: string | undefined;
  values: Record<string, string | boolean | undefined>;
}

/** The command and flags of `argv`; with `--help` (or `-h`) prints the usage and exits. */
export function parseCommandLine(tool: Tool, argv: string[] = process.argv.slice(2)): CommandLine {
  const commands = tool.commands;
  let command: string | undefined;
  let rest = argv;
  if (commands) {
    const first = argv[0];
    if (first === undefined) throw new UsageError(`Missing command; ${commandList(tool)} (see ${tool.run} --help)`);
    if (first === 'help' || first === '--help' || first === '-h') printHelp(tool);
    if (first.startsWith('-')) throw new UsageError(`Missing command before ${first}; ${commandList(tool)} (see ${tool.run} --help)`);
    if (!Object.hasOwn(commands, first)) throw new UsageError(`Unknown command "${first}"; ${commandList(tool)} (see ${tool.run} --help)`);
    command = first;
    rest = argv.slice(1);
  }
  const flags = (command ? commands![command]!.flags : tool.flags) ?? {};
  if (rest.includes('--help') || rest.includes('-h')) printHelp(tool, command);
  const accepted = Object.keys(flags).length ? `accepted: ${Object.keys(flags).map((f) => `--${f}`).join(', ')}` : 'it takes none';
  const subject = command ? `"${command}"` : tool.run.replace(/ --$/, '');
  let values: CommandLine['values'];
  try {
    values = parseArgs({ args: rest, options: Object.fromEntries(Object.entries(flags).map(([name, f]) => [name, { type: f.type }])), strict: true }).values;
  } catch (err) {
    const code = (err as { code?: string }).code;
    const named = /'(-[^' ]+)/.exec((err as Error).message)?.[1]?.replace(/ .*/, '');
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`Unknown flag ${named} for ${subject}; ${accepted}`);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const flag = flags[named?.replace(/^--/, '') ?? ''];
      throw new UsageError(flag?.type === 'boolean' ? `${named} takes no value` : `${named} needs a value${flag?.value ? `: ${named} ${flag.value}` : ''}`);
    }
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') throw new UsageError(`Unexpected argument "${/'([^']*)'/.exec((err as Error).message)?.[1]}" for ${subject}; ${accepted}`);
    throw err;
  }
  const missing = Object.entries(flags).filter(([name, f]) => f.required && values[name] === undefined);
  if (missing.length) throw new UsageError(`${subject} needs ${missing.map(([name, f]) => `--${name} ${f.value ?? ''}`.trim()).join(' and ')} (see ${tool.run} --help)`);
  return { command, values };
}

function commandList(tool: Tool): string {
  return `commands: ${Object.keys(tool.commands ?? {}).join(', ')}`;
}

function flagLines(flags: Record<string, Flag> | undefined, indent: string): string[] {
  const entries = Object.entries(flags ?? {});
  const width = Math.max(0, ...entries.map(([name, f]) => `--${name} ${f.value ?? ''}`.length));
  return entries.map(([name, f]) => `${indent}${`--${name} ${f.value ?? ''}`.padEnd(width)}  ${f.description}${f.required ? ' (required)' : ''}`);
}

/** The usage of `tool` (or of one of its commands) on stdout, then exit 0. */
function printHelp(tool: Tool, command?: string): never {
  const lines: string[] = [];
  if (tool.commands) {
    lines.push(`Usage: ${tool.run} <command> [flags]`, '', tool.description, '', 'Commands:');
    const names = command ? [command] : Object.keys(tool.commands);
    const width = Math.max(...names.map((n) => n.length));
    for (const name of names) {
      const c = tool.commands[name]!;
      lines.push(`  ${name.padEnd(width)}  ${c.description}`, ...flagLines(c.flags, `  ${' '.repeat(width)}    `));
    }
  } else {
    lines.push(`Usage: ${tool.run}${tool.flags && Object.keys(tool.flags).length ? ' [flags]' : ''}`, '', tool.description);
    if (tool.flags && Object.keys(tool.flags).length) lines.push('', 'Flags:', ...flagLines(tool.flags, '  '));
  }
  if (tool.notes?.length) lines.push('', ...tool.notes);
  console.log(lines.join('\n'));
  process.exit(0);
}

/**
 * Runs a tool's main function: a mistake in the arguments, the configuration or the data is one line
 * on stderr (exit 2 for usage, 1 otherwise); anything else is a bug and keeps its stack trace.
 */
export function runTool(main: () => Promise<void>): void {
  main().then(
    () => process.exit(process.exitCode ?? 0),
    (err: unknown) => {
      if (err instanceof UsageError) {
        console.error(err.message);
        process.exit(2);
      }
      console.error(err instanceof AppError || err instanceof ConfigError || err instanceof DatabaseBusyError ? err.message : err);
      process.exit(1);
    },
  );
}

/** Where the tools work, and how they share the embedded database with `npm start`. */
export const DATABASE_NOTES = [
  "Works on DATABASE_URL's database, or else on the embedded one under DATA_DIR (default .data).",
  'While `npm start` runs on the embedded database, the command goes through the server, which alone',
  'opens it; otherwise the command opens the database itself for as long as it runs.',
];
