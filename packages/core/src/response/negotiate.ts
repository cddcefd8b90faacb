import type { MediaKind } from '../types.js';

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
