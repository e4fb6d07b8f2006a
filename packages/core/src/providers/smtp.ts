import type { Transporter } from 'nodemailer';
import { type EmailMessage, type EmailSender, ProviderError, type SendResult } from './ports.js';

// Email over SMTP with nodemailer: STARTTLS when the server offers it, or TLS from the start (`secure`).

export interface SmtpOptions {
  host: string;
  port: number;
  secure: boolean;
  user?: string;
  password?: string;
  from: string;
  timeoutMs: number;
}

/** nodemailer's codes for a connection that could not be made or kept. */
const CONNECTION_CODES = new Set(['ECONNECTION', 'ESOCKET', 'ETIMEDOUT', 'EDNS', 'ETLS', 'EPROTOCOL']);

export function createSmtpEmail(options: SmtpOptions): EmailSender {
  let transport: Promise<Transporter> | undefined;
  // Loaded on first use: functions that never send email do not pay for nodemailer at cold start.
  const open = () =>
    (transport ??= import('nodemailer').then((nodemailer) =>
      nodemailer.createTransport({
        host: options.host,
        port: options.port,
        secure: options.secure,
        auth: options.user ? { user: options.user, pass: options.password ?? '' } : undefined,
        connectionTimeout: options.timeoutMs,
        greetingTimeout: options.timeoutMs,
        socketTimeout: options.timeoutMs,
      }),
    ));
  return {
    provider: 'smtp',
    async send(message: EmailMessage): Promise<SendResult> {
      try {
        const info = await (await open()).sendMail({ from: options.from, to: message.to, subject: message.subject, text: message.text, html: message.html });
        const rejected = info.rejected ?? [];
        if (rejected.length > 0) throw new ProviderError('smtp', `recipient rejected: ${rejected.map(String).join(', ')}`);
        return { status: 'sent', providerMessageId: info.messageId ?? null };
      } catch (err) {
        if (err instanceof ProviderError) throw err;
        const e = err as Error & { response?: string; code?: string };
        // A failed connection's message names the server's address, which reasons (shown to clients) leave out.
        const reason = e.response ?? (e.code && CONNECTION_CODES.has(e.code) ? `could not reach the SMTP server (${e.code})` : e.code ? `${e.code}: ${e.message}` : e.message);
        throw new ProviderError('smtp', reason, { cause: err });
      }
    },
  };
}
