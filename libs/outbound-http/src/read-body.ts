/** A response body read up to a size bound; the rest is not downloaded. */
export interface LimitedBody {
  text: string;
  truncated: boolean;
}

/** Reads at most `maxBytes` of a streamed body, then stops reading (and destroys the stream). */
export async function readBodyLimited(
  body: AsyncIterable<Buffer | Uint8Array> & { destroy?: () => void },
  maxBytes: number,
): Promise<LimitedBody> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size + chunk.length > maxBytes) {
      chunks.push(Buffer.from(chunk).subarray(0, maxBytes - size));
      body.destroy?.();
      return { text: Buffer.concat(chunks).toString('utf8'), truncated: true };
    }
    size += chunk.length;
    chunks.push(Buffer.from(chunk));
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated: false };
}

/** The guarded lookup's refusal, however the HTTP client wraps it. */
export function isForbiddenTarget(error: unknown): boolean {
  for (let current = error; current instanceof Error; current = (current as { cause?: unknown }).cause) {
    if ((current as { code?: string }).code === 'ERR_FORBIDDEN_TARGET') return true;
  }
  return false;
}
