import type { RecoverReport } from './report.js';
import { statusText } from './status.js';

/** A response body and its media type. */
export interface RenderedBody {
  contentType: string;
  body: string;
}

/** The media types recover answers in, by the client's `Accept`. */
export type MediaKind = 'problem' | 'json' | 'html' | 'text';

// Server preference when the client ranks several equally: problem+json first (RFC 9457).
const CANDIDATES: readonly { kind: MediaKind; type: string; subtype: string }[] = [
  { kind: 'problem', type: 'application', subtype: 'problem+json' },
  { kind: 'json', type: 'application', subtype: 'json' },
  { kind: 'html', type: 'text', subtype: 'html' },
  { kind: 'text', type: 'text', subtype: 'plain' },
];

/** Picks the body's media type from an `Accept` header; problem+json when absent, malformed or unmatched. */
export function negotiate(accept: string | undefined): MediaKind {
  if (!accept || accept.length > 1024) return 'problem';
  let best: MediaKind = 'problem';
  let bestQ = 0;
  let bestSpecificity = -1;
  for (const candidate of CANDIDATES) {
    let q = 0;
    let specificity = -1;
    for (const range of accept.split(',')) {
      const [mediaRange = '', ...params] = range.trim().toLowerCase().split(';');
      const [type, subtype] = mediaRange.trim().split('/');
      let s: number;
      if (type === candidate.type && subtype === candidate.subtype) s = 2;
      else if (type === candidate.type && subtype === '*') s = 1;
      else if (type === '*' && subtype === '*') s = 0;
      else continue;
      if (s < specificity) continue;
      specificity = s;
      q = qualityOf(params);
    }
    if (q > bestQ || (q === bestQ && q > 0 && specificity > bestSpecificity)) {
      best = candidate.kind;
      bestQ = q;
      bestSpecificity = specificity;
    }
  }
  return best;
}

function qualityOf(params: string[]): number {
  for (const param of params) {
    const [key, value] = param.trim().split('=');
    if (key === 'q' && value !== undefined) {
      const q = Number(value);
      return Number.isFinite(q) && q >= 0 && q <= 1 ? q : 0;
    }
  }
  return 1;
}

/** The safe body for a report: status text and ids; the message only when `report.expose`. */
export function renderBody(report: RecoverReport, kind: MediaKind): RenderedBody {
  const title = statusText(report.status);
  const detail = report.expose ? report.error.message : undefined;
  switch (kind) {
    case 'html':
      return { contentType: 'text/html; charset=utf-8', body: html(report, title, detail) };
    case 'text':
      return { contentType: 'text/plain; charset=utf-8', body: text(report, title, detail) };
    case 'json':
    case 'problem':
      return {
        contentType: kind === 'json' ? 'application/json; charset=utf-8' : 'application/problem+json; charset=utf-8',
        body: JSON.stringify({
          type: 'about:blank',
          title,
          status: report.status,
          ...(detail === undefined ? {} : { detail }),
          traceId: report.traceId,
          requestId: report.requestId ?? '',
        }),
      };
  }
}

function text(report: RecoverReport, title: string, detail: string | undefined): string {
  const lines = [`${report.status} ${title}`];
  if (detail !== undefined) lines.push(oneLine(detail));
  lines.push(`traceId: ${report.traceId}`, `requestId: ${report.requestId ?? ''}`);
  return `${lines.join('\n')}\n`;
}

function html(report: RecoverReport, title: string, detail: string | undefined): string {
  const heading = escapeHtml(`${report.status} ${title}`);
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${heading}</title></head><body>`,
    `<h1>${heading}</h1>`,
    detail === undefined ? '' : `<p>${escapeHtml(detail)}</p>`,
    `<p><small>traceId: <code>${escapeHtml(report.traceId)}</code><br>requestId: <code>${escapeHtml(report.requestId ?? '')}</code></small></p>`,
    '</body></html>',
    '',
  ].join('\n');
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}

// Control characters (CR, LF, NUL, ESC…) would let a message forge lines in a text body.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

function oneLine(value: string): string {
  return value.replace(CONTROL, ' ');
}
