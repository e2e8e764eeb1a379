/**
 * One JSON line per log entry (CloudWatch Logs Insights reads the fields). Callers pass no secrets:
 * sink errors are already redacted by the sinks.
 */
export function log(level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ level, message, ...fields });
  if (level === 'error') console.error(line);
  else if (level === 'warn') console.warn(line);
  else console.log(line);
}
