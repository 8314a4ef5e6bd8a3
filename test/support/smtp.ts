import { SMTPServer } from 'smtp-server';
import { Recorder } from './wait.ts';

/** A mail as the local SMTP server took it. */
export interface ReceivedMail {
  readonly from: string;
  readonly to: string[];
  readonly raw: string;
}

export interface LocalSmtp {
  readonly port: number;
  readonly url: string;
  readonly received: Recorder<ReceivedMail>;
  close(): Promise<void>;
}

/**
 * A real SMTP server on 127.0.0.1 (a free port) that records every mail it takes. `refuse(mail)` true makes it answer
 * 451 (a full mailbox, a server restarting) so that a sender's retry can be tested.
 */
export async function startSmtp(opts: { refuse?: () => boolean } = {}): Promise<LocalSmtp> {
  const received = new Recorder<ReceivedMail>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, done) {
      let raw = '';
      stream.on('data', (c: Buffer) => (raw += c.toString('utf8')));
      stream.on('end', () => {
        if (opts.refuse?.()) return done(Object.assign(new Error('mailbox busy, try again'), { responseCode: 451 }));
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
        });
        done();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as { port: number }).port;
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
