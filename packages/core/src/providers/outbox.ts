import type { EmailMessage, EmailSender, SendResult, SmsMessage, SmsSender } from './ports.js';

// The default for SMS and email: nothing leaves the machine. Core records every delivery in the
// `deliveries` table; the outbox accepts it there as `queued` and prints one line to the log.

export type Log = (line: string) => void;

const consoleLog: Log = (line) => console.log(line);

function preview(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 120 ? `${flat.slice(0, 120)}…` : flat;
}

export function createOutboxSms(log: Log = consoleLog): SmsSender {
  return {
    provider: 'outbox',
    async send(message: SmsMessage): Promise<SendResult> {
      log(`[outbox] sms to ${message.to}: ${preview(message.body)}`);
      return { status: 'queued', providerMessageId: null };
    },
  };
}

export function createOutboxEmail(log: Log = consoleLog): EmailSender {
  return {
    provider: 'outbox',
    async send(message: EmailMessage): Promise<SendResult> {
      log(`[outbox] email to ${message.to} "${preview(message.subject)}": ${preview(message.text)}`);
      return { status: 'queued', providerMessageId: null };
    },
  };
}
