import { fetchWithTimeout, ProviderError, snippet, type ToolCallRequest, type ToolEndpoint, type ToolInvoker } from './ports.js';

// Tools are HTTP callbacks: the call is POSTed as JSON to the tool's URL; a 2xx JSON answer is its result.

/** A result larger than this is refused rather than stored in the chat. */
export const MAX_TOOL_RESULT_BYTES = 64 * 1024;

export function createHttpToolInvoker(options: { timeoutMs: number }): ToolInvoker {
  return {
    async invoke(tool: ToolEndpoint, call: ToolCallRequest): Promise<unknown> {
      const provider = `tool ${tool.name}`;
      const res = await fetchWithTimeout(
        provider,
        tool.callbackUrl,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ tool: call.name, callId: call.id, arguments: call.arguments, chat: { id: call.context.chatId, uuid: call.context.chatUuid }, workspaceId: call.context.workspaceId }),
        },
        Math.max(1, Math.min(tool.timeoutMs ?? options.timeoutMs, tool.maxTimeoutMs ?? Number.POSITIVE_INFINITY)),
      );
      const text = await res.text();
      if (!res.ok) throw new ProviderError(provider, `HTTP ${res.status}${text ? `: ${snippet(text)}` : ''}`);
      if (Buffer.byteLength(text) > MAX_TOOL_RESULT_BYTES) throw new ProviderError(provider, `result larger than ${MAX_TOOL_RESULT_BYTES / 1024} KB`);
      if (text.trim() === '') return null;
      try {
        return JSON.parse(text);
      } catch {
        throw new ProviderError(provider, `answered with something other than JSON: ${snippet(text, 100)}`);
      }
    },
  };
}
