import pino, { type Logger } from 'pino';

/** The process logger. Secrets are redacted at the source so no module can log them by mistake. */
export function createLogger(level: string, opts: { stderr?: boolean } = {}): Logger {
  return pino({
    level,
    base: { service: 'provdata' },
    serializers: {
      // Database errors carry the failed statement's parameters: rows of data, possibly personal.
      // Keep the code and a bounded message, never the parameters.
      err: (e: unknown) => {
        const s = pino.stdSerializers.err(e as Error) as unknown as Record<string, unknown>;
        for (const k of ['params', 'parameters', 'query', 'values', 'where', 'internalQuery']) delete s[k];
        if (typeof s.message === 'string' && s.message.length > 2000) s.message = `${s.message.slice(0, 2000)}…`;
        if (typeof s.stack === 'string' && s.stack.length > 4000) s.stack = `${s.stack.slice(0, 4000)}…`;
        return s;
      },
    },
    redact: {
      paths: [
        'req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]', 'req.headers["x-csrf-token"]',
        'res.headers["set-cookie"]', '*.password', '*.newPassword', 'password', 'key', '*.key', 'token', '*.token',
      ],
      censor: '[redacted]',
    },
    // One-shot CLI commands print their result on stdout for scripts; their logs go to stderr.
  }, opts.stderr ? pino.destination(2) : undefined);
}
