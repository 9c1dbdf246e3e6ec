/**
 * The language model the proposer's optional stage asks (src/mapping/ai-suggest.ts), built
 * from the config's `ai` settings through the AI SDK's OpenAI-compatible provider: a local
 * Ollama or any hosted endpoint that speaks the OpenAI chat API. The key is revealed only here,
 * into the provider's Authorization header.
 */
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { AskModelOptions } from '../mapping/ai-suggest.js';
import { scrub } from '../core/secrets.js';
import { AiSettings } from './config.js';

/** The model stage's options from the config (`ai`), with `--ai` turning it on; undefined when off. */
export function aiAskOptions(settings: AiSettings | undefined, force = false): AskModelOptions | undefined {
  if (!force && !settings?.enabled) return undefined;
  const s = settings ?? AiSettings.parse({});
  const key = s.apiKey?.reveal();
  const provider = createOpenAICompatible({
    name: 'crm-migrate-ai',
    baseURL: s.baseUrl,
    ...(key ? { apiKey: key } : {}),
    // Asks the endpoint for JSON that follows the answer's schema (OpenAI and Ollama both honour it).
    supportsStructuredOutputs: true,
  });
  return {
    model: provider.chatModel(s.model),
    modelName: s.model,
    maxAttributes: s.maxAttributes,
    timeoutMs: s.timeoutMs,
    // An endpoint may repeat the key in an error ("Incorrect API key provided: …"): never shown or kept.
    ...(key ? { redact: (text: string) => scrub(text, [key]) } : {}),
  };
}
