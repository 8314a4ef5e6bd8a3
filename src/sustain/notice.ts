import type { EventData } from '../events/catalog.ts';
import type { Mail, MailKind, MailerOptions } from '../training/mail.ts';

/**
 * The e-mail that tells a plot type's contact its trailing accuracy is stale: composed from the sustain.assessed that
 * began the stale episode and recorded whom to tell (evidence.notified), so the stream, not the mailer, decides that
 * it is sent, and once. It says what is stale and links to the Labeler's unbiased queue and the Timeline's section.
 */

const pct = (x: number | null) => (x === null ? '–' : `${(100 * x).toFixed(1)} %`);
const hours = (ms: number) => (ms >= 3600_000 ? `${(ms / 3600_000).toFixed(1)} h` : `${Math.round(ms / 60_000)} min`);

export function staleMail(
  d: EventData<'sustain.assessed'>,
  opts: { publicUrl: string; from: string; maxWaitMs?: number },
): Mail | null {
  const e = d.evidence;
  const to = e.notified?.to ?? [];
  if (to.length === 0) return null;
  const base = opts.publicUrl.replace(/\/$/, '');
  const plot = encodeURIComponent(d.plotType);
  const samples = e.waiting === 1 ? '1 unbiased sample waits' : `${e.waiting} unbiased samples wait`;
  const limit = opts.maxWaitMs ? ` (the limit is ${hours(opts.maxWaitMs)})` : '';
  return {
    from: opts.from,
    to,
    subject: `[Hydra] ${d.plotType}: trailing accuracy is stale, ${samples} for a label`,
    text: [
      `Labelling of ${d.plotType}'s unbiased sample lags: ${samples} for a label, the oldest for ${hours(e.oldestWaitingMs)}${limit}.`,
      `The trailing accuracy of model ${d.modelId}, ${pct(e.accuracy.estimate)} on the last ${e.samples} labelled samples${e.to ? ` (sampled up to ${e.to})` : ''}, describes the past, not now.`,
      '',
      `Label the unbiased sample, oldest first: ${base}/labeler?plot=${plot}&queue=unbiased&order=oldest`,
      `The loop's assessment: ${base}/timeline?plot=${plot}#sustain`,
      '',
      `Assessment: ${d.status}: ${d.why}`,
      '',
      'This is sent once when labelling starts to lag; the next one only after it has caught up and lags again.',
    ].join('\n'),
  };
}

/** The stale notices, for an EventMailer (the sustain role runs it when HYDRA_SMTP_URL is set). */
export function staleMailKind(opts: MailerOptions & { maxWaitMs?: number }): MailKind<'sustain.assessed'> {
  return { name: 'sustain_mail', type: 'sustain.assessed', compose: (e) => staleMail(e.data, opts) };
}
