import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  filteredSvg,
  longTextSvg,
  manyFramesGif,
  markedPathSvg,
  morphologySvg,
  nestedPatternsSvg,
  oneBitBmp,
  overlappingIco,
  pathHeavySvg,
  styleSheetFilterSvg,
  useAmplifiedSvg,
} from '#test/hostile';
import { authHeaders, json, upload } from '#test/http';
import { startTestRuntime, type TestRuntime } from '#test/runtime';

/**
 * The attack's expensive-to-render uploads against the local runtime, measured as it serves them:
 * no answer takes 10 s, no CPU is burnt once the answers are out, and a trivial request made
 * meanwhile (a lookup of an unknown id) is never held up for 500 ms. The runtime runs in this
 * process, so the probe's latency is exactly how long this event loop was blocked.
 */
let runtime: TestRuntime;
const LONGEST_ANSWER_MS = 10_000;
const LONGEST_PROBE_MS = 500;

beforeAll(async () => {
  runtime = await startTestRuntime();
  // Steady state, as a running service is: routes loaded and compiled, decoder threads started.
  const { key } = await runtime.newKey();
  const warm = await json(await upload(runtime.url, { file: oneBitBmp(64), filename: 'warm.bmp', key }));
  await (await fetch(`${warm.link}?w=10`, { headers: { accept: 'image/*' } })).arrayBuffer();
  await (
    await fetch(`${runtime.url}/v1/media/unknownmediaid00`, { headers: authHeaders(key) })
  ).arrayBuffer();
});
afterEach(() => runtime.expectCountersToMatchMedia());
afterAll(() => runtime?.stop());

/** Asks for an unknown media id every 50 ms until stopped; resolves to the slowest answer. */
const probe = (key: string) => {
  let running = true;
  const slowest = (async () => {
    let worst = 0;
    while (running) {
      const started = performance.now();
      const response = await fetch(`${runtime.url}/v1/media/unknownmediaid00`, { headers: authHeaders(key) });
      await response.arrayBuffer();
      expect(response.status).toBe(404);
      worst = Math.max(worst, performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return worst;
  })();
  return {
    stop: async () => {
      running = false;
      return slowest;
    },
  };
};

/** The request's answer and how long it took. */
const timed = async (request: Promise<Response>) => {
  const started = performance.now();
  const response = await request;
  const body = await json(response);
  return { status: response.status, body, ms: performance.now() - started };
};

/** CPU this process uses over `windowMs`, from a moment after the last answer went out. */
const cpuAfterAnswers = async (windowMs = 1000) => {
  await new Promise((resolve) => setTimeout(resolve, 300));
  const before = process.cpuUsage();
  await new Promise((resolve) => setTimeout(resolve, windowMs));
  const { user, system } = process.cpuUsage(before);
  return (user + system) / 1000;
};

describe('uploads that would cost without bound to render', () => {
  it('are refused with 422 naming the limit, quickly, storing and counting nothing', async () => {
    const { key, teamId } = await runtime.newKey({ plan: 'pro' });
    const hostile: Array<[string, Buffer, RegExp]> = [
      ['drawing.svg', filteredSvg(8000, 6000), /2 filter passes over 48,000,000 pixels/],
      ['laughs.svg', useAmplifiedSvg(6), /9,000,000 characters of text/],
      ['text.svg', longTextSvg(200_000), /a text of 200,000 characters/],
      ['frames.gif', await manyFramesGif(10_000), /10,000 frames, which exceeds the limit of 1,000 frames/],
      ['icons.ico', overlappingIco(700), /700 icons have 45,875,200 pixels.*16,000,000/],
      ['bitmap.bmp', oneBitBmp(7000), /49,000,000 pixels, which exceeds the limit of 16,000,000/],
      // Found by a review after the first round: what references draw, and filters by style sheet.
      ['patterns.svg', nestedPatternsSvg(6), /draws 3,222,223 elements/],
      ['markers.svg', markedPathSvg(300, 2_000), /draws 602,303 elements/],
      ['styled.svg', styleSheetFilterSvg(8), /20 filter passes over 750,000 pixels/],
      ['dilated.svg', morphologySvg(2000, 1500), /11 filter passes over 3,000,000 pixels/],
    ];

    // One after the other, as in the other test: what is measured is whether any one of them holds
    // up other requests (ten at once on one event loop would measure their sum instead).
    const watch = probe(key);
    const answers = [];
    for (const [filename, file] of hostile)
      answers.push(await timed(upload(runtime.url, { file, filename, key })));
    const slowestProbe = await watch.stop();

    answers.forEach(({ status, body, ms }, index) => {
      const [filename, , limit] = hostile[index] as (typeof hostile)[number];
      expect(status, filename).toBe(422);
      expect(body, filename).toMatchObject({ error: 'validation_error' });
      expect(JSON.stringify(body), filename).toMatch(limit);
      expect(ms, filename).toBeLessThan(LONGEST_ANSWER_MS);
    });
    expect(slowestProbe).toBeLessThan(LONGEST_PROBE_MS);
    expect(await cpuAfterAnswers()).toBeLessThan(250);
    expect(await runtime.admin.showTeam(teamId)).toMatchObject({ media_stored: 0, storage_used_bytes: 0 });
  }, 60_000);
});

describe('uploads that are expensive but within the budget', () => {
  it('are stored and viewed within bounds, without holding up other requests', async () => {
    const { key } = await runtime.newKey({ plan: 'pro' });
    const heavy: Array<[string, Buffer, string]> = [
      // 9.9 MB of paths: about 3 s for librsvg.
      ['map.svg', pathHeavySvg(9_900_000), 'format=png'],
      // A filter costs per pixel it is drawn at: enlarged as far as the budget allows.
      ['glow.svg', filteredSvg(1000, 750), 'w=1600&fit=contain'],
      // 16 MP decoded by JavaScript on every upload and view: about 1.6 s each.
      ['bitmap.bmp', oneBitBmp(4000), 'w=200'],
      // A thousand frames, each resized on its own.
      ['frames.gif', await manyFramesGif(1_000), 'w=4'],
    ];

    // One after the other: the budget is per request, as on Lambda, where each has its own vCPU.
    const watch = probe(key);
    const views = [];
    const links = new Map<string, string>();
    for (const [filename, file, query] of heavy) {
      const stored = await timed(upload(runtime.url, { file, filename, key }));
      expect(stored.status, `${filename}: ${JSON.stringify(stored.body)}`).toBe(201);
      const started = performance.now();
      const view = await fetch(`${stored.body.link}?${query}`, { headers: { accept: 'image/*' } });
      await view.arrayBuffer();
      views.push({ filename, upload: stored.ms, status: view.status, view: performance.now() - started });
      links.set(filename, String(stored.body.link));
    }
    // Enlarged past what the budget pays for, the drawing is refused before any pixel is drawn.
    const beyond = await timed(
      fetch(`${links.get('glow.svg')}?w=3000&fit=contain`, { headers: { accept: 'image/*' } }),
    );
    const slowestProbe = await watch.stop();
    expect(beyond).toMatchObject({ status: 422, body: { error: 'validation_error' } });
    expect(String(beyond.body.message)).toMatch(
      /filter passes over 6,750,000 pixels.*render budget of 4\.0 s/,
    );
    expect(beyond.ms).toBeLessThan(1000);

    for (const { filename, upload: uploadMs, status, view } of views) {
      expect(status, filename).toBe(200);
      expect(uploadMs, filename).toBeLessThan(LONGEST_ANSWER_MS);
      expect(view, filename).toBeLessThan(LONGEST_ANSWER_MS);
    }
    expect(slowestProbe).toBeLessThan(LONGEST_PROBE_MS);
    expect(await cpuAfterAnswers()).toBeLessThan(250);
  }, 90_000);
});
