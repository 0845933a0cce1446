import { renderTextTemplate, TEMPLATE_PATTERN } from './template';
import type { RunScope } from './scope-path';

/**
 * What the literal text of a URL template fixes: its origin (scheme, host, port) and the path up
 * to the first template. Templates may only follow the authority (after a `/`, `?` or `#`), so no
 * value can change where a request goes, only what it asks there.
 */
export interface UrlTemplateFrame {
  origin: string;
  /** The path before the first template in the path, or the whole path if templates come later. */
  pathPrefix: string;
  /** Whether a template sits in the path (else the path must come out exactly as written). */
  templatedPath: boolean;
}

const AUTHORITY_END = /^(https?:\/\/[^/?#{}\s]+)([/?#])/i;

/** The frame of a URL template, or null when a template (or nothing) follows the scheme, host or port. */
export function urlTemplateFrame(template: string): UrlTemplateFrame | null {
  const firstTemplate = template.search(TEMPLATE_PATTERN);
  const literal = firstTemplate === -1 ? template : template.slice(0, firstTemplate);
  let base: URL;
  try {
    base = new URL(firstTemplate === -1 ? template : literal.replace(/[?#].*$/s, ''));
  } catch {
    return null;
  }
  if (firstTemplate !== -1 && !AUTHORITY_END.test(literal)) return null;
  const templatedPath = firstTemplate !== -1 && !/[?#]/.test(literal);
  return { origin: base.origin, pathPrefix: base.pathname, templatedPath };
}

export type RenderedUrl = { ok: true; url: URL } | { ok: false; problem: string };

/**
 * Renders a URL template: each value is percent-encoded for its position (path segment, query or
 * fragment), so `/`, `?`, `#`, `&` and `=` inside a value stay data. The result must keep the
 * template's literal origin and path prefix (a value of `..` would otherwise climb above it).
 */
export function renderUrlTemplate(template: string, scope: RunScope): RenderedUrl {
  const frame = urlTemplateFrame(template);
  if (!frame) return { ok: false, problem: 'the URL template does not fix its scheme, host and port' };
  const rendered = renderTextTemplate(template, scope, (value) => encodeURIComponent(value));
  let url: URL;
  try {
    url = new URL(rendered);
  } catch {
    return { ok: false, problem: 'the URL is not valid after templating' };
  }
  if (url.origin !== frame.origin) return { ok: false, problem: 'the URL’s origin changed after templating' };
  const pathKept = frame.templatedPath ? url.pathname.startsWith(frame.pathPrefix) : url.pathname === frame.pathPrefix;
  if (!pathKept) return { ok: false, problem: 'a templated value moved the URL’s path' };
  return { ok: true, url };
}

/** Escapes text for XML character data and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => XML_ENTITIES[character]);
}

const XML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Whether a header value would end its line (or the header block) in the request. */
export function breaksHeaderLine(value: string): boolean {
  return /[\r\n\0]/.test(value);
}
