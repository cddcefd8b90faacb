// BENCHMARKS.md from the results of bench/bench.mjs.

const int = (n) => (typeof n === 'number' && Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const fixed = (n, digits) => (typeof n === 'number' && Number.isFinite(n) ? n.toFixed(digits) : '–');
const x = (n) => (typeof n === 'number' && Number.isFinite(n) ? `${n.toFixed(3)}×` : '–');
const pct = (n, digits = 1) => (typeof n === 'number' && Number.isFinite(n) ? `${(n * 100).toFixed(digits)}%` : '–');
const mb = (bytes) => fixed(bytes / 1024 / 1024, 1);
const signedMb = (n) => (typeof n === 'number' ? `${n >= 0 ? '+' : ''}${n.toFixed(1)}` : '–');
const range = ([low, high]) => (low === undefined ? '–' : `${low.toFixed(3)}–${high.toFixed(3)}`);

function table(header, rows) {
  return [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

/** The Nodes whose targets apply (results before Node 26 named one, `targetNode`). */
function judgedNodesOf(meta) {
  return meta.judgedNodes ?? (meta.targetNode ? [meta.targetNode] : []);
}

function nodeRole(meta, node) {
  if (node.judged === undefined) return node.version === meta.targetNode ? ' (target)' : '';
  return node.judged ? ' (judged)' : ` (reported: ${node.sections.join(', ')})`;
}

const list = (items) => (items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`);

function verdictOf(results, measure, framework, node, what) {
  const found = results.verdicts.filter((v) => v.measure === measure && v.framework === framework && v.node === node && (what === undefined || v.what.startsWith(what)));
  if (found.length === 0) return '–';
  if (found.some((v) => !v.judged)) return 'not judged';
  return found.every((v) => v.pass) ? 'pass' : '**FAIL**';
}

/** Which sections ran on which Nodes, and which Nodes were judged. */
function nodeSections(meta) {
  if (meta.nodes.some((node) => node.judged === undefined)) return '- Memory and log storm run on the target Node only.';
  const judged = meta.nodes.filter((node) => node.judged);
  const reported = meta.nodes.filter((node) => !node.judged);
  const lines = [`- Judged Nodes (targets apply; a miss fails the run): ${list(judged.map((node) => node.version))}, each running ${list(judged[0]?.sections ?? [])}.`];
  if (reported.length > 0) {
    lines.push(`- Reported Nodes (measured and shown, not judged), fewer sections to keep a full run within about 40 minutes on 2 cores: ${reported.map((node) => `${node.version} (${list(node.sections) || 'none'})`).join(', ')}. The A/A noise band covers the sets of every Node. Invalid measurements (unexpected statuses, an SDK that exported no span) fail on any Node.`);
  }
  return lines.join('\n');
}

export function formatReport(results) {
  const { meta, config, noise, targets } = results;
  const judgedNodes = list(judgedNodesOf(meta));
  const otelResults = results.otel ?? [];
  const out = [];
  let section = 0;
  const heading = (title) => { section++; return `## ${section}. ${title}`; };
  const judged = results.verdicts.filter((v) => v.judged);
  const failed = judged.filter((v) => !v.pass);
  out.push('# Benchmarks');
  out.push('');
  out.push(`Written by \`npm run bench\` ([bench/bench.mjs](bench/bench.mjs)) on ${meta.date.slice(0, 10)}; regenerate it rather than edit it. Raw figures, every round: [bench/results.json](bench/results.json).`);
  out.push('');
  if (config.quick) out.push('> **Quick mode**: short runs for a smoke test; these figures are not meant to be judged.\n');
  out.push(`**${failed.length === 0 ? 'PASS' : 'FAIL'}**: ${judged.length - failed.length} of ${judged.length} judged figures meet their target within the noise band${failed.length ? `; missed: ${failed.map((v) => `${v.measure} ${v.framework} ${v.node} (${v.what} ${typeof v.value === 'number' ? v.value.toFixed(3) : v.value}, target ${v.target})`).join('; ')}` : ''}.`);
  out.push('');

  out.push('## Machine and run');
  out.push('');
  out.push(table(['', ''], [
    ['CPU', `${meta.machine.cpu}, ${meta.machine.cores} cores`],
    ['RAM', `${meta.machine.memoryGB.toFixed(1)} GB`],
    ['OS', meta.machine.os],
    ['Node (servers)', meta.nodes.map((node) => `${node.version}${nodeRole(meta, node)}`).join(', ')],
    ['Node (driver, autocannon)', meta.driver],
    ['Packages', Object.entries(meta.versions).map(([name, version]) => `${name} ${version}`).join(', ')],
    ['Command', `\`${meta.command}\``],
    ['Settings', `${config.rounds} rounds × ${config.duration} s per measurement after ${config.warmup} s warm-up each, ${config.connections} connections, pipelining 1; memory: ${int(config.memoryWarmup)} warm-up + ${int(config.memoryErrors)} errors; storm: ${config.stormSeconds} s`],
    ['Took', `${(meta.seconds / 60).toFixed(1)} min`],
    ['Load average (1/5/15 min)', `${meta.machine.loadAverageAtStart.map((n) => n.toFixed(2)).join(' / ')} at start, ${meta.machine.loadAverageAtEnd.map((n) => n.toFixed(2)).join(' / ')} at end`],
  ]));
  out.push('');

  out.push('## Noise band');
  out.push('');
  if (noise.measured) {
    out.push(`An A/A control runs inside every happy-path set: two identical bare servers (bareA, bareB) measured the same alternating way as the variants. ` +
      `The judged statistic is the median over ${noise.rounds} rounds of a per-round ratio, so the band is the largest distance from 1 of that same statistic for bareB ÷ bareA, over the ${noise.sets} repeated A/A sets of the judged Nodes (each framework × judged Node; the reported Nodes' sets are listed but do not widen it): ` +
      `**req/s ±${pct(noise.rps)}**, **p99 ±${pct(noise.p99)}**${noise.cpu === undefined ? '' : `, **server CPU per request ±${pct(noise.cpu)}**`}. A target counts as missed only beyond it. ` +
      `Single rounds spread wider: bareB ÷ bareA per round ranged ${range(noise.perRoundRps)} in req/s and ${range(noise.perRoundP99)} in p99.`);
    out.push('');
    const cpu = noise.cpu !== undefined;
    out.push(table(
      ['A/A set', 'req/s bareB ÷ bareA (median)', 'p99 bareB ÷ bareA (median)', ...(cpu ? ['CPU/req bareB ÷ bareA (median)'] : [])],
      noise.medians.map((m) => [`${m.framework} ${m.node}`, x(m.rps), x(m.p99), ...(cpu ? [x(m.cpu)] : [])]),
    ));
  } else {
    out.push(`The happy-path section (which holds the A/A control) did not run: an assumed band of ±${pct(noise.rps)} (BENCH_NOISE) is used for every figure.`);
  }
  out.push('');

  if (results.happy.length > 0) {
    out.push(heading('Happy path: `GET /hello` (JSON), recover installed vs the bare framework'));
    out.push('');
    out.push(`recover with its defaults (async context on, route quarantine on, \`logger\` pino to a file). Ratios are medians of per-round ratios against the mean of bareA and bareB of the same round. Target on ${judgedNodes}: req/s ≥ ${targets.happyRps}×, p99 ≤ ${targets.happyP99}× (other Node versions reported beside them, not judged). Server CPU per request (from /proc) does not depend on which side of the loopback saturates first.`);
    out.push('');
    const quarantine = targets.quarantineRps !== undefined;
    if (quarantine) {
      out.push(`**Route quarantine** (issue 12): a fourth server in the same rounds runs recover with \`quarantine: false\`. *quarantine on ÷ off* is the median of the per-round req/s ratio of recover as installed (quarantine on, nothing quarantined) to that server: what having route quarantine on costs a request while no route is quarantined. ` +
        'The check before each handler reads the size of the set of quarantined routes; the adapters make that read whether or not the option is on, so its own cost is inside *recover ÷ bare* above. ' +
        `Target on ${judgedNodes}: ≥ ${targets.quarantineRps}× within the req/s band.`);
      out.push('');
    }
    out.push(table(
      ['framework', 'Node', 'bare req/s', 'recover req/s', 'req/s ratio', 'bare p99 ms', 'recover p99 ms', 'p99 ratio', 'CPU µs/req bare → recover', 'CPU/req ratio',
        ...(quarantine ? ['recover req/s, quarantine: false', 'quarantine on ÷ off: req/s (range), CPU/req'] : []), 'A/A req/s, p99', 'verdict'],
      results.happy.map((h) => [
        h.framework, h.node, int(h.bareRps), int(h.recoverRps), x(h.rpsRatio), fixed(h.bareP99, 2), fixed(h.recoverP99, 2), x(h.p99Ratio),
        `${fixed(h.bareCpu, 1)} → ${fixed(h.recoverCpu, 1)}`, x(h.cpuRatio),
        ...(quarantine ? [int(h.noQuarantineRps), `${x(h.quarantineRps)} (${range(h.quarantineRpsRange ?? [])}), ${x(h.quarantineCpu)}`] : []),
        `${x(h.aaRps)}, ${x(h.aaP99)}`, verdictOf(results, 'happy', h.framework, h.node),
      ]),
    ));
    out.push('');
  }

  if (results.error.length > 0) {
    out.push(heading('Error path: `GET /error` throws, recover vs the framework\'s own error handling'));
    out.push('');
    out.push('Native: Express\'s finalhandler and Koa\'s `app.onerror` print each error with `console.error` (stderr is a file); Fastify logs it with its pino logger (`logger: { stream: pino.destination(file) }`, request logging on as by default). ' +
      'recover (default) limits its log to 10 full reports per kind per 10 s, then a summary; recover (logLimit: false) logs every error in full like native: pino to a file (Express, Koa) or through Fastify\'s `request.log`. Both also send problem+json with a trace id and request id, and record the span and counter through `@opentelemetry/api` (no SDK registered: no-op). ' +
      'Ratios are medians of per-round ratios to native; CPU per error is the server\'s user + system time from /proc over the requests it answered.');
    out.push('');
    if (targets.errorDefaultRps === undefined) {
      // Results written before issue 14: one target, on logLimit: false, per framework.
      out.push(`Target (judged on recover with logLimit: false): ≥ ${targets.errorRps.express}× native on Express and Koa, ≥ ${targets.errorRps.fastify}× on Fastify.`);
      out.push('');
      out.push(table(
        ['framework', 'Node', 'native req/s', 'recover req/s (logLimit: false)', 'ratio', 'recover req/s (default logLimit)', 'ratio', 'native p99 ms', 'recover p99 ms (false)', 'CPU µs/req native → recover (false)', 'target', 'verdict'],
        results.error.map((e) => [
          e.framework, e.node, int(e.nativeRps), int(e.nolimitRps), x(e.nolimitRatio), int(e.limitRps), x(e.limitRatio), fixed(e.nativeP99, 2), fixed(e.nolimitP99, 2),
          `${fixed(e.nativeCpu, 1)} → ${fixed(e.nolimitCpu, 1)}`, `≥ ${targets.errorRps[e.framework]}`, verdictOf(results, 'error', e.framework, e.node),
        ]),
      ));
    } else {
      out.push(`Targets on ${judgedNodes}: recover (default) req/s ≥ ${targets.errorDefaultRps}× native and CPU per error ≤ ${targets.errorDefaultCpu}× native (within the CPU band); recover (logLimit: false) req/s ≥ ${targets.errorNolimitRps}× native.`);
      out.push('');
      out.push(table(
        ['framework', 'Node', 'native req/s', 'recover req/s (default)', 'ratio (range)', 'CPU µs/error native → default', 'CPU ratio', 'recover req/s (logLimit: false)', 'ratio (range)', 'CPU µs/error (false)', 'p99 ms native → default, false', 'verdict'],
        results.error.map((e) => [
          e.framework, e.node, int(e.nativeRps), int(e.limitRps), `${x(e.limitRatio)} (${range(e.limitRatioRange ?? [])})`, `${fixed(e.nativeCpu, 1)} → ${fixed(e.limitCpu, 1)}`, x(e.limitCpuRatio),
          int(e.nolimitRps), `${x(e.nolimitRatio)} (${range(e.nolimitRatioRange ?? [])})`, fixed(e.nolimitCpu, 1), `${fixed(e.nativeP99, 2)} → ${fixed(e.limitP99, 2)}, ${fixed(e.nolimitP99, 2)}`,
          verdictOf(results, 'error', e.framework, e.node),
        ]),
      ));
    }
    out.push('');
  }

  if (results.escaped.length > 0) {
    out.push(heading('Escaped errors: `GET /escape` throws from a `setTimeout` the handler started'));
    out.push('');
    out.push(`recover with \`budget: 1000000, window: 1000\` (a restart would take more than a million escapes in one second: the policy never restarts in this run) answers each request 500 with \`Connection: close\`, so every request opens a new connection. ` +
      `Availability: ${int(config.availabilityRequests)} requests, ${config.connections} at a time, answered ÷ sent. Without recover the first escaped error ends the process. Target: every request answered 500 and the process alive after.`);
    out.push('');
    out.push(table(
      ['framework', 'Node', 'recover req/s', 'recover: answered 500 ÷ sent', 'alive after', 'no recover: answered ÷ sent', 'no recover: process', 'verdict'],
      results.escaped.map((e) => [
        e.framework, e.node, int(e.rps), `${e.recover.statuses[500] ?? 0}/${e.recover.sent} (${pct(e.recover.availability)})`, e.recover.aliveAfter ? 'yes' : '**no**',
        `${e.bare.answered}/${e.bare.sent} (${pct(e.bare.availability)})`,
        e.bare.alive ? 'still alive' : `exited, code ${e.bare.exitCode ?? e.bare.exitSignal}, ${int(e.bare.diedAfterMs)} ms after the first request`,
        verdictOf(results, 'escaped', e.framework, e.node),
      ]),
    ));
    out.push('');
  }

  if (otelResults.length > 0) {
    out.push(heading('OpenTelemetry: `GET /hello` with the Node SDK tracing, recover installed vs the SDK alone'));
    out.push('');
    const instrumentations = otelResults[0].instrumentations === 'http'
      ? '`@opentelemetry/instrumentation-http` (the framework\'s own instrumentation with BENCH_OTEL_FRAMEWORK=1)'
      : '`@opentelemetry/instrumentation-http` and the framework\'s own (`@opentelemetry/instrumentation-express`, `@fastify/otel`, `@opentelemetry/instrumentation-koa`)';
    out.push('Both servers preload the OpenTelemetry Node SDK ([bench/lib/otel.mjs](bench/lib/otel.mjs), `node --import`, started before the framework is required): `NodeSDK` with ' +
      `${instrumentations}, every span sampled and sent through a \`BatchSpanProcessor\` with its defaults to an exporter that counts and drops them (the export pipeline without the network; no metric reader, no log processor). ` +
      'SDK + recover adds recover installed the one-line way (`app.use(recover())`, `app.register(recover)`), no options. Ratios are medians of per-round ratios of SDK + recover to SDK alone, the two alternating as in the other sections. ' +
      `*Spans per request* is what each server's SDK exported, after a flush, over the requests it answered: the proof that tracing was on (under 1 the measurement is invalid); a framework instrumentation that makes a span per middleware or hook makes one for recover's too. Target on ${judgedNodes}: req/s ≥ ${targets.otelRps}× within the req/s band.`);
    out.push('');
    out.push(table(
      ['framework', 'Node', 'SDK req/s', 'SDK + recover req/s', 'req/s ratio (range)', 'p99 ms SDK → + recover', 'p99 ratio', 'CPU µs/req SDK → + recover', 'CPU/req ratio', 'spans per request SDK → + recover', 'spans dropped', 'verdict'],
      otelResults.map((o) => [
        o.framework, o.node, int(o.sdkRps), int(o.recoverRps), `${x(o.rpsRatio)} (${range(o.rpsRatioRange ?? [])})`, `${fixed(o.sdkP99, 2)} → ${fixed(o.recoverP99, 2)}`, x(o.p99Ratio),
        `${fixed(o.sdkCpu, 1)} → ${fixed(o.recoverCpu, 1)}`, x(o.cpuRatio), `${fixed(o.spans.sdk.perRequest, 2)} → ${fixed(o.spans.sdkRecover.perRequest, 2)}`,
        `${int(o.spans.sdk.dropped)}, ${int(o.spans.sdkRecover.dropped)}`, verdictOf(results, 'otel', o.framework, o.node),
      ]),
    ));
    out.push('');
    const named = new Map();
    for (const o of otelResults) {
      if (!named.has(o.framework)) named.set(o.framework, o);
    }
    out.push(`Spans exported, by name (${[...named.values()].map((o) => o.node).filter((node, index, all) => all.indexOf(node) === index).join(', ')}):`);
    out.push('');
    for (const [framework, o] of named) {
      const names = (variant) => Object.keys(o.spans[variant].byName).map((name) => `\`${name}\``).join(', ') || 'none';
      out.push(`- ${framework}: SDK alone ${names('sdk')}; SDK + recover ${names('sdkRecover')}`);
    }
    out.push('');
  }

  if (results.memory.length > 0) {
    out.push(heading(`Memory: after ${int(config.memoryErrors)} errors vs after warm-up`));
    out.push('');
    out.push(`recover with its defaults on \`GET /error\` (log-storm limiter on, async context on, the span and counter through \`@opentelemetry/api\` with no SDK), after ${int(config.memoryWarmup)} warm-up errors. ` +
      `The server runs with \`--expose-gc ${config.memoryFlags.join(' ')}\`: a fixed young generation, since V8 otherwise resizes it with the allocation rate and RSS swings by tens of MB either way; every figure is taken after two \`global.gc()\` calls, 1 s after the load. ` +
      'Fastify\'s own access lines are off here (its logger stays on and recover logs through `request.log`): a million asynchronous access-log writes grow the allocator\'s arenas by themselves, which is not what this measure is about. ' +
      `Target on ${judgedNodes}: growth under ${targets.memoryGrowthMB} MB. The late slope (growth per 100,000 errors over the second half) tells a leak, which keeps its slope, from sizing that levels off.`);
    out.push('');
    out.push(table(
      ['framework', 'Node', 'errors', 'req/s', 'RSS MB at each step', 'RSS growth MB', 'RSS late slope MB/100k', 'heap used MB warm → after', 'heap growth MB', 'external growth MB', 'verdict'],
      results.memory.map((m) => [
        m.framework, m.node, int(m.errors), int(m.rps), m.curve.map((point) => mb(point.rss)).join(' → '), signedMb(m.rssGrowthMB), signedMb(m.rssLateSlopeMBPer100k),
        `${mb(m.before.heapUsed)} → ${mb(m.after.heapUsed)}`, signedMb(m.heapUsedGrowthMB), signedMb(m.externalGrowthMB), verdictOf(results, 'memory', m.framework, m.node),
      ]),
    ));
    out.push('');
  }

  if (results.storm.length > 0) {
    out.push(heading(`Log storm: ${config.stormSeconds} s of one repeating error at full rate`));
    out.push('');
    const attribution = [...new Set(results.storm.map((s) => s.profile.attribution))].join(', ');
    out.push('The server runs under `--cpu-prof` (1 ms sampling); only samples between two marks sent over IPC around the load count. A sample is *logging* when its stack holds a frame of pino, sonic-boom and their helpers, Node\'s console, or recover\'s own logging; ' +
      `*recover's logging* counts only stacks under recover's own logging code: frames of the core bundle that its source map traces to \`src/logging/\` (\`write.ts\`, \`log-limit.ts\`, \`destination.ts\`, \`pino.ts\`, \`request-logger.ts\`, \`levels.ts\`: the log line, the log-storm limiter, the destination), pino calls they make included (attributed here by ${attribution}). ` +
      'On Fastify, its own access lines (two per request) are logging but not recover\'s. Shares are of non-idle samples; GC has its own entry in V8 profiles and is not attributed to logging; the writes themselves run on libuv\'s threads. ' +
      'The default `logLimit` is the measure; `logLimit: false` is shown for contrast. No target: reported only.');
    out.push('');
    out.push(table(
      ['framework', 'Node', 'logLimit', 'req/s', 'errors', 'full reports logged', 'summary lines (suppressed)', 'log lines in all', 'CPU in logging', 'CPU in recover\'s log + limiter', 'CPU in GC'],
      results.storm.map((s) => [
        s.framework, s.node, s.variant === 'recover-limit' ? 'default' : 'false', int(s.rps), int(s.errors), int(s.lines.reports), `${int(s.lines.summaries)} (${int(s.lines.suppressed)})`, int(s.lines.total),
        pct(s.profile.loggingShare), pct(s.profile.recoverLogShare), pct(s.profile.gcShare),
      ]),
    ));
    out.push('');
  }

  out.push('## Method');
  out.push('');
  out.push([
    '- Each server is its own child process (`bench/server.mjs`, `NODE_ENV=production`), listening on 127.0.0.1 with an IPC channel to the driver; the driver (one process) runs autocannon programmatically, pipelining 1. All of a set\'s servers are up at once and idle while another is measured.',
    `- Rounds alternate the variants: even rounds in order (bareA, recover, ${targets.quarantineRps === undefined ? '' : 'quarantine: false, '}bareB / native, logLimit false, default${otelResults.length > 0 ? ' / SDK, SDK + recover' : ''}), odd rounds reversed, so a drift of the machine during a pair of rounds falls on both sides; each variant is warmed up before the first round.`,
    '- req/s is autocannon\'s mean of its per-second samples; p50/p99 are computed from every response\'s own time (autocannon\'s histogram has 1 ms steps); server CPU is user + system time of the server\'s process from `/proc` over the run.',
    '- Figures are medians over rounds; ratios are medians of the per-round ratios. The noise band above decides how far below a target a ratio may fall before the run fails.',
    '- Servers log to files in a temporary directory, removed after the run (`BENCH_KEEP=1` keeps them).',
    nodeSections(meta),
  ].join('\n'));
  out.push('');
  if (results.analysis) {
    out.push('## Where the time goes');
    out.push('');
    out.push(`Written by hand from \`--cpu-prof\` profiles of the same servers ([bench/analysis.md](bench/analysis.md), included here by the generator); it explains the figures above and is revised when they move.`);
    out.push('');
    out.push(results.analysis.trim());
    out.push('');
  }
  return `${out.join('\n')}\n`;
}
