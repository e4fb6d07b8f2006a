import { fetchWithTimeout, ProviderError, type SendResult, type SmsMessage, type SmsSender, snippet } from './ports.js';

// Twilio's Messages REST API: a form-encoded POST to /2010-04-01/Accounts/{AccountSid}/Messages.json
// with HTTP basic auth (account SID and auth token). Errors come back as JSON { code, message, status }.

export interface TwilioOptions {
  baseUrl: string;
  accountSid: string;
  authToken: string;
  /** The sending number; or a messaging service picks one. */
  from?: string;
  messagingServiceSid?: string;
  timeoutMs: number;
}

export function createTwilioSms(options: TwilioOptions): SmsSender {
  const url = `${options.baseUrl.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(options.accountSid)}/Messages.json`;
  const authorization = `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64')}`;
  return {
    provider: 'twilio',
    async send(message: SmsMessage): Promise<SendResult> {
      const form = new URLSearchParams({ To: message.to, Body: message.body });
      if (options.messagingServiceSid) form.set('MessagingServiceSid', options.messagingServiceSid);
      else if (options.from) form.set('From', options.from);
      const res = await fetchWithTimeout(
        'twilio',
        url,
        { method: 'POST', headers: { authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: form.toString() },
        options.timeoutMs,
      );
      const text = await res.text();
      let body: { sid?: string; status?: string; code?: number; message?: string; error_message?: string | null } = {};
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON: reported below with the raw text
      }
      if (!res.ok) {
        const reason = body.message ? `${body.code ? `error ${body.code}: ` : ''}${body.message}` : `HTTP ${res.status}: ${snippet(text) || res.statusText}`;
        throw new ProviderError('twilio', reason);
      }
      // Twilio may accept a message and fail it at once (status `failed` in the response).
      if (body.status === 'failed' || body.status === 'undelivered') throw new ProviderError('twilio', body.error_message ?? `message ${body.status}`);
      return { status: 'sent', providerMessageId: body.sid ?? null };
    },
  };
}
