// A small SVG line-chart writer for the benchmark's scaling curves: axes with "nice" ticks (linear
// or log10 x axis), one polyline with point markers per series, a legend. No dependencies; the
// output is plain SVG 1.1 that browsers and GitHub render.

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

/** Escapes text for XML character data and attribute values. */
export function xmlEscape(s) {
  return String(s).replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c],
  );
}

/** About `count` round tick values (1, 2, 2.5 or 5 × 10^k apart) covering [lo, hi]. */
export function niceTicks(lo, hi, count = 5) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    out.push(Number(v.toPrecision(12)));
  return out;
}

const num = (x) => Number(x.toFixed(2)).toString();
const tickLabel = (v) =>
  Math.abs(v) >= 1000
    ? v.toLocaleString('en-US', { maximumFractionDigits: 0 })
    : String(Number(v.toPrecision(6)));

/**
 * An SVG line chart.
 * @param {object} o
 * @param {string} o.title
 * @param {string} o.xLabel
 * @param {string} o.yLabel
 * @param {{ name: string, points: [number, number][] }[]} o.series points as [x, y]; NaN y is left out
 * @param {'linear' | 'log'} [o.xScale] log10 x axis (x must be > 0)
 * @param {number[]} [o.xTicks] tick positions on the x axis (default: the points' x values for a
 *   log axis, nice ticks for a linear one)
 * @param {(x: number) => string} [o.xTickLabel]
 * @param {number} [o.width]
 * @param {number} [o.height]
 * @returns {string}
 */
export function lineChart({
  title,
  xLabel,
  yLabel,
  series,
  xScale = 'linear',
  xTicks,
  xTickLabel = tickLabel,
  width = 720,
  height = 420,
}) {
  const kept = series.map((s) => ({
    name: s.name,
    points: s.points.filter(
      ([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (xScale !== 'log' || x > 0),
    ),
  }));
  const xs = kept.flatMap((s) => s.points.map((p) => p[0]));
  const ys = kept.flatMap((s) => s.points.map((p) => p[1]));
  const legendW = 230;
  const m = { left: 78, right: legendW + 20, top: 44, bottom: 56 };
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  const tx = xScale === 'log' ? Math.log10 : (x) => x;
  let x0 = xs.length ? Math.min(...xs.map(tx)) : 0;
  let x1 = xs.length ? Math.max(...xs.map(tx)) : 1;
  if (x1 === x0) {
    x0 -= 0.5;
    x1 += 0.5;
  }
  // A margin inside the axes, so no marker sits on an axis.
  const pad = (x1 - x0) * 0.04;
  x0 -= pad;
  x1 += pad;
  // y from 0 to the first tick at or above the largest value.
  const yMax = ys.length ? Math.max(...ys) : 0;
  const yTicks = niceTicks(0, yMax > 0 ? yMax : 1, 5);
  const yStep = yTicks.length > 1 ? yTicks[1] - yTicks[0] : 1;
  while (yTicks[yTicks.length - 1] < yMax)
    yTicks.push(Number((yTicks[yTicks.length - 1] + yStep).toPrecision(12)));
  const y1 = yTicks[yTicks.length - 1] > 0 ? yTicks[yTicks.length - 1] : 1;
  const X = (x) => m.left + ((tx(x) - x0) / (x1 - x0)) * pw;
  const Y = (y) => m.top + ph - (y / y1) * ph;
  const ticksX =
    xTicks ??
    (xScale === 'log'
      ? [...new Set(xs)].sort((a, b) => a - b)
      : niceTicks(x0, x1, 6).filter((v) => v >= x0 && v <= x1));

  const o = [];
  o.push(
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<title>${xmlEscape(title)}</title>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${num(m.left + pw / 2)}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${xmlEscape(title)}</text>`,
  );
  // Grid and y ticks.
  o.push('<g class="y-axis">');
  for (const v of yTicks) {
    const y = num(Y(v));
    o.push(
      `<line x1="${m.left}" y1="${y}" x2="${m.left + pw}" y2="${y}" stroke="#e0e0e0"/>`,
      `<text x="${m.left - 8}" y="${y}" dy="4" text-anchor="end">${xmlEscape(tickLabel(v))}</text>`,
    );
  }
  o.push(
    `<text transform="translate(18 ${num(m.top + ph / 2)}) rotate(-90)" text-anchor="middle">${xmlEscape(yLabel)}</text>`,
    '</g>',
  );
  o.push('<g class="x-axis">');
  for (const v of ticksX) {
    const x = num(X(v));
    o.push(
      `<line x1="${x}" y1="${m.top + ph}" x2="${x}" y2="${m.top + ph + 5}" stroke="#333333"/>`,
      `<text x="${x}" y="${m.top + ph + 19}" text-anchor="middle">${xmlEscape(xTickLabel(v))}</text>`,
    );
  }
  o.push(
    `<text x="${num(m.left + pw / 2)}" y="${height - 14}" text-anchor="middle">${xmlEscape(xLabel)}${xScale === 'log' ? ' (log scale)' : ''}</text>`,
    '</g>',
  );
  // Axes.
  o.push(`<path d="M${m.left} ${m.top}V${m.top + ph}H${m.left + pw}" fill="none" stroke="#333333"/>`);
  // Series.
  kept.forEach((s, i) => {
    const c = PALETTE[i % PALETTE.length];
    const pts = [...s.points].sort((a, b) => a[0] - b[0]);
    o.push(`<g class="series" data-name="${xmlEscape(s.name)}" stroke="${c}" fill="${c}">`);
    if (pts.length > 1)
      o.push(
        `<polyline fill="none" stroke-width="2" points="${pts.map(([x, y]) => `${num(X(x))},${num(Y(y))}`).join(' ')}"/>`,
      );
    for (const [x, y] of pts)
      o.push(
        `<circle cx="${num(X(x))}" cy="${num(Y(y))}" r="3.5" data-x="${x}" data-y="${y}"><title>${xmlEscape(`${s.name}: ${xTickLabel(x)} → ${tickLabel(Math.round(y))}`)}</title></circle>`,
      );
    o.push('</g>');
  });
  // Legend.
  const lx = width - legendW;
  o.push('<g class="legend">');
  kept.forEach((s, i) => {
    const c = PALETTE[i % PALETTE.length];
    const ly = m.top + 10 + i * 20;
    o.push(
      `<line x1="${lx}" y1="${ly}" x2="${lx + 22}" y2="${ly}" stroke="${c}" stroke-width="2"/>`,
      `<circle cx="${lx + 11}" cy="${ly}" r="3.5" fill="${c}"/>`,
      `<text x="${lx + 30}" y="${ly}" dy="4">${xmlEscape(s.name)}</text>`,
    );
  });
  o.push('</g>', '</svg>', '');
  return o.join('\n');
}
