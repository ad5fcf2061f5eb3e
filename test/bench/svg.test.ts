/**
 * The benchmark's SVG line-chart writer (bench/lib/svg.mjs): well-formed XML (checked by a strict
 * tokenizer below, as no XML parser is a dependency), an svg root in the SVG namespace, one marker
 * per point given (and only those), placed in the order of the values, escaped text, ticks.
 */
import { describe, expect, it } from 'vitest';
import { lineChart, niceTicks, xmlEscape } from '../../bench/lib/svg.mjs';

interface El {
  name: string;
  attrs: Record<string, string>;
  children: El[];
  text: string;
}

const NAME = /^[A-Za-z_][\w.:-]*/;

/** A strict parser for the XML subset the writer emits; throws on anything not well-formed. */
function parseXml(src: string): El {
  let i = 0;
  const decode = (s: string): string => {
    if (/&(?!(lt|gt|amp|quot|apos);)/.test(s)) throw new Error(`bad entity in ${JSON.stringify(s)}`);
    if (/[<]/.test(s)) throw new Error(`raw < in ${JSON.stringify(s)}`);
    return s.replace(
      /&(lt|gt|amp|quot|apos);/g,
      (_, e) => ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" })[e as 'lt'],
    );
  };
  if (src.startsWith('<?xml')) {
    const end = src.indexOf('?>');
    if (end < 0) throw new Error('unterminated declaration');
    if (!/^<\?xml version="1\.0"( encoding="UTF-8")?\?>$/.test(src.slice(0, end + 2)))
      throw new Error('bad declaration');
    i = end + 2;
  }
  const skipWs = () => {
    while (i < src.length && /\s/.test(src[i])) i++;
  };
  const element = (): El => {
    if (src[i] !== '<') throw new Error(`expected < at ${i}`);
    i++;
    const name = NAME.exec(src.slice(i))?.[0];
    if (!name) throw new Error(`bad tag name at ${i}`);
    i += name.length;
    const attrs: Record<string, string> = {};
    for (;;) {
      const before = i;
      skipWs();
      if (src.startsWith('/>', i)) {
        i += 2;
        return { name, attrs, children: [], text: '' };
      }
      if (src[i] === '>') {
        i++;
        break;
      }
      if (i === before) throw new Error(`attributes must be separated by space at ${i}`);
      const an = NAME.exec(src.slice(i))?.[0];
      if (!an) throw new Error(`bad attribute name at ${i}`);
      i += an.length;
      if (src[i] !== '=' || src[i + 1] !== '"') throw new Error(`attribute ${an} not ="quoted" at ${i}`);
      const close = src.indexOf('"', i + 2);
      if (close < 0) throw new Error('unterminated attribute');
      if (an in attrs) throw new Error(`duplicate attribute ${an}`);
      attrs[an] = decode(src.slice(i + 2, close));
      i = close + 1;
    }
    const children: El[] = [];
    let text = '';
    for (;;) {
      if (i >= src.length) throw new Error(`unclosed <${name}>`);
      if (src.startsWith('</', i)) {
        const end = src.indexOf('>', i);
        const closing = src.slice(i + 2, end).trim();
        if (closing !== name) throw new Error(`</${closing}> closes <${name}>`);
        i = end + 1;
        return { name, attrs, children, text };
      }
      if (src[i] === '<') children.push(element());
      else {
        const next = src.indexOf('<', i);
        text += decode(src.slice(i, next < 0 ? src.length : next));
        i = next < 0 ? src.length : next;
      }
    }
  };
  skipWs();
  const root = element();
  skipWs();
  if (i !== src.length) throw new Error(`content after the root element at ${i}`);
  return root;
}

const all = (e: El, name: string): El[] => [
  ...(e.name === name ? [e] : []),
  ...e.children.flatMap((c) => all(c, name)),
];

describe('bench SVG line chart', () => {
  const series = [
    {
      name: 'privatelink-dns, 1 worker',
      points: [
        [10, 20_000],
        [1000, 19_500],
        [10_000, 18_000],
        [100_000, 15_000],
      ] as [number, number][],
    },
    {
      name: 'dnsmasq <C> & "friends"',
      points: [
        [10, 21_000],
        [1000, 20_000],
        [10_000, Number.NaN],
        [100_000, 9_000],
      ] as [number, number][],
    },
  ];
  const svg = lineChart({
    title: 'q/s vs endpoints',
    xLabel: 'endpoints',
    yLabel: 'queries/s',
    series,
    xScale: 'log',
  });
  const root = parseXml(svg);

  it('is well-formed XML with an svg root in the SVG namespace', () => {
    expect(root.name).toBe('svg');
    expect(root.attrs.xmlns).toBe('http://www.w3.org/2000/svg');
    expect(root.attrs.viewBox).toMatch(/^0 0 \d+ \d+$/);
    expect(() => parseXml('<svg><g></svg>')).toThrow();
    expect(() => parseXml('<svg a=1/>')).toThrow();
    expect(() => parseXml('<svg>a & b</svg>')).toThrow();
  });

  it('has one marker per finite point of each series, with the values given', () => {
    const groups = all(root, 'g').filter((g) => g.attrs.class === 'series');
    expect(groups.map((g) => g.attrs['data-name'])).toEqual(series.map((s) => s.name));
    groups.forEach((g, k) => {
      const got = all(g, 'circle').map((c) => [Number(c.attrs['data-x']), Number(c.attrs['data-y'])]);
      expect(got).toEqual(series[k].points.filter(([, y]) => Number.isFinite(y)));
      const line = all(g, 'polyline')[0];
      expect(line.attrs.points.split(' ')).toHaveLength(got.length);
    });
  });

  it('places markers by value: x grows with x (log scale), y grows upwards', () => {
    const circles = all(root, 'g')
      .filter((g) => g.attrs.class === 'series')
      .flatMap((g) => all(g, 'circle'))
      .map((c) => ({
        x: Number(c.attrs['data-x']),
        y: Number(c.attrs['data-y']),
        cx: Number(c.attrs.cx),
        cy: Number(c.attrs.cy),
      }));
    for (const a of circles)
      for (const b of circles) {
        if (a.x < b.x) expect(a.cx).toBeLessThan(b.cx);
        if (a.y < b.y) expect(a.cy).toBeGreaterThan(b.cy);
      }
    // Log scale: 10 → 1,000 is as wide as 1,000 → 100,000.
    const cx = (x: number) => circles.find((c) => c.x === x)!.cx;
    expect(cx(1000) - cx(10)).toBeCloseTo(cx(100_000) - cx(1000), 1);
    const width = Number(root.attrs.width);
    const height = Number(root.attrs.height);
    for (const c of circles) {
      expect(c.cx).toBeGreaterThan(0);
      expect(c.cx).toBeLessThan(width);
      expect(c.cy).toBeGreaterThan(0);
      expect(c.cy).toBeLessThan(height);
    }
  });

  it('has a title, axis labels, x ticks at the points and a legend entry per series, escaped', () => {
    const texts = all(root, 'text').map((t) => t.text);
    expect(texts).toContain('q/s vs endpoints');
    expect(texts).toContain('queries/s');
    expect(texts).toContain('endpoints (log scale)');
    expect(texts).toEqual(expect.arrayContaining(['10', '1,000', '10,000', '100,000']));
    const legend = all(root, 'g').find((g) => g.attrs.class === 'legend')!;
    expect(all(legend, 'text').map((t) => t.text)).toEqual(series.map((s) => s.name));
    expect(svg).toContain('dnsmasq &lt;C&gt; &amp; &quot;friends&quot;');
  });

  it('draws y ticks from 0 covering the largest value', () => {
    const yAxis = all(root, 'g').find((g) => g.attrs.class === 'y-axis')!;
    const ticks = all(yAxis, 'text')
      .map((t) => Number(t.text.replace(/,/g, '')))
      .filter(Number.isFinite);
    expect(ticks[0]).toBe(0);
    expect(Math.max(...ticks)).toBeGreaterThanOrEqual(21_000);
  });

  it('niceTicks and xmlEscape', () => {
    expect(niceTicks(0, 100, 5)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(0, 23_000, 5)).toEqual([0, 5000, 10_000, 15_000, 20_000]);
    expect(xmlEscape(`a<b>&"c'`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;');
  });

  it('a linear chart with one point per series is still well-formed', () => {
    const one = parseXml(
      lineChart({ title: 't', xLabel: 'workers', yLabel: 'q/s', series: [{ name: 'a', points: [[2, 5]] }] }),
    );
    expect(all(one, 'circle').filter((c) => c.attrs['data-x'] === '2')).toHaveLength(1);
  });
});
