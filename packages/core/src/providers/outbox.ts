import type { EmailMessage, EmailSender, SendResult, SmsMessage, SmsSender } from './ports.js';

// The default for SMS and email: nothing leaves the machine. Core records every delivery in the
// `deliveries` table; the outbox accepts it there as `queued` and prints one line to the log. The line
// names the recipient masked and the message by its size, never its text: logs hold no personal data
// (the deliveries table has the whole message).

export type Log = (line: string) => void;

const consoleLog: Log = (line) => console.log(line);

/** `+15550001` as `+1555…01`: enough to tell recipients apart in a log, not to reach them. */
export function maskPhone(phone: string): string {
  const flat = phone.replace(/[^\d+]/g, '');
  if (flat.length <= 8) return '…';
  return `${flat.slice(0, 5)}…${flat.slice(-2)}`;
}

/** `alice@example.test` as `a…@example.test`. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '…';
  return `${email[0]}…${email.slice(at)}`;
}

const size = (text: string) => `${[...text].length} characters`;

export function createOutboxSms(log: Log = consoleLog): SmsSender {
  return {
    provider: 'outbox',
    async send(message: SmsMessage): Promise<SendResult> {
      log(`[outbox] sms to ${maskPhone(message.to)}: ${size(message.body)}`);
      return { status: 'queued', providerMessageId: null };
    },
  };
}

export function createOutboxEmail(log: Log = consoleLog): EmailSender {
  return {
    provider: 'outbox',
    async send(message: EmailMessage): Promise<SendResult> {
      log(`[outbox] email to ${maskEmail(message.to)}: subject of ${size(message.subject)}, text of ${size(message.text)}`);
      return { status: 'queued', providerMessageId: null };
    },
  };
}
