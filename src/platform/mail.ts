import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Tx } from './db/index.js';
import { publish, type DomainEvent } from './events/index.js';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  /** What kind of message (`password_reset`), for logs and metrics. */
  template: string;
}

export const MAIL_REQUESTED = 'mail.requested';

/**
 * Queues an email in the outbox as part of `trx`: it is sent after commit, at least once, by
 * the mail subscriber. Nothing is sent if the transaction rolls back.
 */
export function queueMail(trx: Tx, message: MailMessage): Promise<string> {
  return publish(trx, MAIL_REQUESTED, message);
}

export interface MailTransport {
  readonly kind: 'log' | 'smtp';
  send(message: MailMessage, messageId: string): Promise<void>;
}

/**
 * The transport from configuration: SMTP through nodemailer when `SMTP_URL` is set,
 * otherwise one that logs recipient and subject only (bodies carry secrets such as reset
 * tokens; they stay in the outbox row).
 */
export async function createMailTransport(config: Config['mail'], log: Logger): Promise<MailTransport> {
  if (config.smtpUrl) {
    const nodemailer = await import('nodemailer');
    const transporter = nodemailer.default.createTransport(config.smtpUrl.reveal());
    return {
      kind: 'smtp',
      async send(message, messageId) {
        await transporter.sendMail({
          from: config.from,
          to: message.to,
          subject: message.subject,
          text: message.text,
          messageId: `<${messageId}@bazaar>`,
        });
        log.info({ mailId: messageId, template: message.template }, 'mail sent');
      },
    };
  }
  return {
    kind: 'log',
    async send(message, messageId) {
      log.info({ mailId: messageId, template: message.template, to: message.to, subject: message.subject }, 'mail (log transport)');
    },
  };
}

/** The event handler that hands queued mail to the transport. */
export function mailHandler(transport: MailTransport) {
  return (event: DomainEvent) => transport.send(event.payload as MailMessage, event.id);
}
