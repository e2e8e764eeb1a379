import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { useLogWriter, type LogWriter } from '../shared/log.js';

/**
 * Logs as Lambda functions do (Powertools' Logger): one JSON line per entry with `level`,
 * `message`, `timestamp`, `service`, and, once the invocation's context is added,
 * `function_request_id`, `cold_start`, `function_name` and `xray_trace_id`. The level and service
 * name follow Powertools' own settings (`POWERTOOLS_LOG_LEVEL`, `POWERTOOLS_SERVICE_NAME`; the
 * service defaults to `netdrift`).
 */
export const lambdaLogger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'netdrift' });

const powertoolsWriter: LogWriter = (level, message, fields) => lambdaLogger[level](message, fields);

/**
 * A Lambda handler that logs through Powertools with its invocation's context: the entry modules
 * (lambda-*.ts) wrap their handler with it, so every line the handler writes names its request.
 */
export function withLambdaLogging<E, R>(handler: (event: E, context?: Context) => Promise<R>): (event: E, context?: Context) => Promise<R> {
  useLogWriter(powertoolsWriter);
  return async (event, context) => {
    if (context) lambdaLogger.addContext(context);
    try {
      return await handler(event, context);
    } finally {
      lambdaLogger.resetKeys();
    }
  };
}
