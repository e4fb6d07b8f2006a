import { Marked } from 'marked';

// Assistant messages are markdown; email bodies carry them as HTML. Raw HTML in the source is shown as
// text, not passed through, so a message cannot smuggle markup into the recipient's mail client.

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const marked = new Marked({
  gfm: true,
  breaks: true,
  async: false,
  renderer: {
    html: (token) => escapeHtml(token.text),
  },
});

/** Markdown to an HTML fragment. */
export function markdownToHtml(markdown: string): string {
  return marked.parse(markdown, { async: false });
}

/** A complete, minimal HTML email document around a rendered fragment. */
export function emailHtml(markdown: string): string {
  return `<!doctype html><html><body style="font-family: -apple-system, Segoe UI, Helvetica, Arial, sans-serif; line-height: 1.5">${markdownToHtml(markdown)}</body></html>`;
}
