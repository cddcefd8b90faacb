import { statusText } from '../report/status.js';
import type { MediaKind, RecoverReport, RenderedBody } from '../types.js';

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
        body: problem(report, title, detail),
      };
  }
}

// The start of a problem body without `detail`, per status: the same bytes for every error of that status.
const problemStarts = new Map<number, string>();

/** The RFC 9457 problem object as JSON; without `detail`, from a start made once per status. */
function problem(report: RecoverReport, title: string, detail: string | undefined): string {
  const { status, traceId, requestId = '' } = report;
  if (detail !== undefined) return JSON.stringify({ type: 'about:blank', title, status, detail, traceId, requestId });
  let start = problemStarts.get(status);
  if (start === undefined) {
    start = `{"type":"about:blank","title":${JSON.stringify(title)},"status":${status},"traceId":`;
    problemStarts.set(status, start);
  }
  return `${start}${JSON.stringify(traceId)},"requestId":${JSON.stringify(requestId)}}`;
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
