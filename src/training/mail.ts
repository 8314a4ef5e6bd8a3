import { createHash } from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import { z } from 'zod';
import type { EventData, EventType, HydraEventOf } from '../events/catalog.ts';
import type { EventLog } from '../events/log.ts';
import type { PlotTypeLookup } from '../labels/decide.ts';
import {
  ack,
  DurableConsumer,
  nak,
  retryDelayMs,
  term,
  type ConsumerStats,
  type Delivery,
  type Outcome,
} from '../events/consume/index.ts';
import { balancedAccuracy } from './evaluate.ts';

/** An e-mail to send: plain data, made by a pure function and sent by the mailer. */
export interface Mail {
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const emailAddress = z.email();

/** The addresses in a plot type's `contact` (comma-separated; a name that is not an address is left out). */
export function contactAddresses(contact: string | undefined): string[] {
  return (contact ?? '')
    .split(/[,;]/)
    .map((s) => s.trim())
    .filter((s) => emailAddress.safeParse(s).success);
}

/** The report's link to the plot type's contact when a training completes; null when it has no address. */
export function reportMail(
  d: EventData<'training.completed'>,
  contact: string | undefined,
  opts: { publicUrl: string; from: string },
): Mail | null {
  const to = contactAddresses(contact);
  if (to.length === 0) return null;
  const e = d.evaluation;
  const link = `${opts.publicUrl.replace(/\/$/, '')}/training/${encodeURIComponent(d.trainingId)}`;
  return {
    from: opts.from,
    to,
    subject: `[Hydra] ${d.plotType}: model ${d.modelId} trained, ${pct(e.accuracy)} on validation, please review`,
    text: [
      `A new model of ${d.plotType} has been trained and waits for an expert's sign-off.`,
      '',
      `Training report: ${link}`,
      '',
      `model ${d.modelId} (training ${d.trainingId})`,
      `validation accuracy ${pct(e.accuracy)}, balanced accuracy ${pct(balancedAccuracy(e))}`,
      `dataset: ${d.dataset.size} images (${Object.entries(d.dataset.perLabel)
        .map(([l, n]) => `${l} ${n}`)
        .join(', ')})`,
      `misclassified validation images: ${e.misclassified.length}`,
      '',
      'Open the report to look at the misclassified images, relabel them, and sign the model off or reject it.',
    ].join('\n'),
  };
}

export interface MailStats {
  handled: number;
  failed: number;
  lastMs: number;
  lastError: string | null;
}

/** Where and how the mailers send: the SMTP server (HYDRA_SMTP_URL), the sender, the pages' address, retries. */
export interface MailerOptions {
  readonly smtpUrl: string;
  readonly from: string;
  readonly publicUrl: string;
  readonly retryMaxMs: number;
  readonly timeoutMs: number;
  readonly say: (line: string) => void;
}

/** What an EventMailer mails: for which event type, from which consumer, composed how (null: nothing to send). */
export interface MailKind<T extends EventType> {
  /** The consumer's name (under the namespace), and how the mailer names itself in its log lines. */
  readonly name: string;
  readonly type: T;
  readonly compose: (event: HydraEventOf<T>) => Mail | null;
}

/**
 * E-mails what `kind` composes from every event of its type, from its own durable consumer (new events only):
 * acknowledged once the SMTP server took the mail, otherwise tried again with a growing delay. The Message-ID
 * derives from the event's id, so a mail sent again after a lost acknowledgement is recognisably the same one.
 */
export class EventMailer<T extends EventType> {
  readonly stats: MailStats = { handled: 0, failed: 0, lastMs: 0, lastError: null };
  private readonly consumer: DurableConsumer;
  private readonly transport: Transporter;

  constructor(
    private readonly log: EventLog,
    private readonly kind: MailKind<T>,
    private readonly opts: MailerOptions,
  ) {
    const url = new URL(opts.smtpUrl);
    this.transport = nodemailer.createTransport({
      host: url.hostname,
      port: Number(url.port || (url.protocol === 'smtps:' ? 465 : 587)),
      secure: url.protocol === 'smtps:',
      ...(url.username
        ? { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } }
        : {}),
      connectionTimeout: opts.timeoutMs,
      greetingTimeout: opts.timeoutMs,
      socketTimeout: opts.timeoutMs,
    });
    this.consumer = new DurableConsumer(
      log,
      {
        durable: this.consumerName,
        filter: log.names.filter(kind.type),
        deliver: 'new',
        ackWaitMs: Math.max(30_000, 3 * opts.timeoutMs),
        maxAckPending: 1,
        capacity: 1,
      },
      { kind: 'each', handle: (d) => this.onDelivery(d) },
      (line) => opts.say(`${this.label}: ${line}`),
    );
  }

  get consumerName(): string {
    return this.log.names.consumer(this.kind.name);
  }

  get consumerStats(): ConsumerStats {
    return this.consumer.stats;
  }

  start(): Promise<void> {
    return this.consumer.start();
  }

  async stop(): Promise<void> {
    await this.consumer.stop();
    this.transport.close();
  }

  private get label(): string {
    return this.kind.name.replaceAll('_', ' ');
  }

  private async onDelivery(d: Delivery): Promise<Outcome> {
    const t0 = performance.now();
    const item = d.read();
    if (!item.ok || item.event.type !== this.kind.type) return term(`not a readable ${this.kind.type}`);
    const event = item.event as HydraEventOf<T>;
    const mail = this.kind.compose(event);
    if (!mail) return ack;
    const host = new URL(this.opts.publicUrl).hostname || 'hydra';
    const messageId = `<${createHash('sha256').update(event.id).digest('hex').slice(0, 32)}@${host}>`;
    try {
      await this.transport.sendMail({ ...mail, to: [...mail.to], messageId });
      this.stats.handled++;
      this.opts.say(`${this.label}: ${event.id} sent to ${mail.to.join(', ')}`);
      return ack;
    } catch (err) {
      this.stats.failed++;
      this.stats.lastError = (err as Error).message;
      this.opts.say(`${this.label}: ${event.id}: ${(err as Error).message}; trying again`);
      return nak(retryDelayMs(d.deliveryCount, { baseMs: 1000, maxMs: this.opts.retryMaxMs }));
    } finally {
      this.stats.lastMs = performance.now() - t0;
    }
  }
}

/** The training report's link to the plot type's contact, for every training.completed. */
export class ReportMailer extends EventMailer<'training.completed'> {
  constructor(log: EventLog, plotTypes: PlotTypeLookup, opts: MailerOptions) {
    super(
      log,
      {
        name: 'report_mail',
        type: 'training.completed',
        compose: (e) => reportMail(e.data, plotTypes.get(e.data.plotType)?.contact, opts),
      },
      opts,
    );
  }
}
