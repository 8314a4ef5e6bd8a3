import type { Config } from '../../config.ts';
import { linksFor } from './message.ts';
import { alertmanagerTarget, webhookTarget, type NotifyTarget } from './targets.ts';

export { NotifyRunner, type NotifyStats } from './runner.ts';
export { webhookPayloadSchema, type WebhookPayload, alertFor, ALERT_NAME } from './message.ts';
export type { NotifyTarget } from './targets.ts';

export const publicUrlOf = (c: Config): string =>
  c.HYDRA_PUBLIC_URL ?? `http://${c.HYDRA_HTTP_HOST}:${c.HYDRA_HTTP_PORT}`;

/** The notification targets the configuration names (none, one or both). */
export function targetsFromConfig(c: Config): NotifyTarget[] {
  const links = linksFor(publicUrlOf(c));
  const out: NotifyTarget[] = [];
  if (c.HYDRA_ALARM_WEBHOOK_URL)
    out.push(webhookTarget(c.HYDRA_ALARM_WEBHOOK_URL, { links, timeoutMs: c.HYDRA_NOTIFY_TIMEOUT_MS }));
  if (c.HYDRA_ALERTMANAGER_URL) {
    out.push(
      alertmanagerTarget(c.HYDRA_ALERTMANAGER_URL, {
        links,
        timeoutMs: c.HYDRA_NOTIFY_TIMEOUT_MS,
        severity: c.HYDRA_ALARM_SEVERITY,
        resendMs: c.HYDRA_ALERTMANAGER_RESEND_SECONDS * 1000,
      }),
    );
  }
  return out;
}
