// Logger writing one JSON object a line, with a level filter.
import type { Logger } from '../ports/logger.js';

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevelName = keyof typeof LEVELS;

export function jsonLogger(
  level: LogLevelName,
  write: (line: string) => void = (l) => process.stdout.write(l + '\n'),
  base: Record<string, unknown> = {},
): Logger {
  const min = LEVELS[level];
  const emit = (lvl: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => {
    if (LEVELS[lvl] < min) return;
    write(JSON.stringify({ time: new Date().toISOString(), level: lvl, message, ...base, ...fields }));
  };
  return {
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => jsonLogger(level, write, { ...base, ...fields }),
  };
}
