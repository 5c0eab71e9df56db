import pino, { type Logger } from 'pino';

/** The process logger. Secrets are redacted at the source so no module can log them by mistake. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'provdata' },
    redact: {
      paths: [
        'req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]', 'req.headers["x-csrf-token"]',
        'res.headers["set-cookie"]', '*.password', '*.newPassword', 'password', 'key', '*.key', 'token', '*.token',
      ],
      censor: '[redacted]',
    },
  });
}
