// qcredit dashboard charts: Apache ECharts (vendored, /dashboard/static/vendor/echarts-*/), drawn
// with its SVG renderer so that a printed page stays sharp. dashboard.js decides what to draw
// (the figures, their labels and colours, all from the API); this file only draws them. Each
// chart is an element with role="img" and an aria-label; the same figures stand in a table
// next to it, for screen readers, copying and print.
"use strict";

const QcreditCharts = (() => {
  const INK = "#202124", MUTED = "#5f6368", LINE = "#dadce0";
  const NO_DATA = "#e8eaed"; // nothing graded here
  const WITHHELD = "#9aa0a6"; // coloured, but not shown to this caller
  const FONT = '"Noto Sans CJK SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", sans-serif';
  const live = new Map(); // element id -> ECharts instance
  let serial = 0;

  function esc(value) {
    return String(value ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  }

  // The caller puts the returned HTML into the page; the chart is drawn right after, once its
  // element is in the document (and has a width to draw into).
  function placeholder(kind, label, height, build) {
    const id = `chart-${kind.split(" ")[0]}-${++serial}`;
    let tries = 0;
    const draw = () => {
      const el = document.getElementById(id);
      if (!el) { if (++tries < 100) setTimeout(draw, 20); return; }
      for (const [other, chart] of live) {
        if (!document.getElementById(other)) { chart.dispose(); live.delete(other); }
      }
      if (typeof echarts === "undefined") { el.textContent = "图表库未加载，请看下面的数据表。"; return; }
      const chart = echarts.init(el, null, { renderer: "svg" });
      chart.setOption({ animation: false, textStyle: { fontFamily: FONT, color: INK }, ...build() });
      live.set(id, chart);
      el.dataset.drawn = "echarts";
    };
    setTimeout(draw, 0);
    return `<div class="echart ${kind}" id="${id}" role="img" aria-label="${esc(label)}" style="height:${height}px"></div>`;
  }

  // The page's width changes on resizing and when printing (A4): ECharts redraws to fit.
  for (const event of ["resize", "beforeprint", "afterprint"]) {
    window.addEventListener(event, () => live.forEach((chart) => chart.resize()));
  }

  // bars: [{name, value, colour}] — one bar per level, in the policy's order.
  function bar(bars, { label, height = 260, unit = "" } = {}) {
    return placeholder("bar-chart", label, height, () => ({
      grid: { left: 44, right: 12, top: 28, bottom: 52 },
      tooltip: { trigger: "item", valueFormatter: (v) => `${v}${unit}` },
      xAxis: { type: "category", data: bars.map((b) => b.name), axisTick: { show: false },
        axisLine: { lineStyle: { color: LINE } }, axisLabel: { interval: 0, color: INK, lineHeight: 16 } },
      yAxis: { type: "value", minInterval: 1, splitLine: { lineStyle: { color: "#f1f3f4" } }, axisLabel: { color: MUTED } },
      series: [{
        type: "bar", barMaxWidth: 56,
        data: bars.map((b) => ({ value: b.value, itemStyle: { color: b.colour, borderRadius: [3, 3, 0, 0] } })),
        label: { show: true, position: "top", color: INK },
      }],
    }));
  }

  // periods: ["2024Q1", …]; series: [{name, colour, values: [n per period]}].
  function stacked(periods, series, { label, height = 240 } = {}) {
    return placeholder("stacked-chart", label, height, () => ({
      grid: { left: 44, right: 12, top: 44, bottom: 28 },
      legend: { top: 0, left: 0, itemWidth: 12, itemHeight: 12, textStyle: { color: INK } },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: { type: "category", data: periods, axisTick: { show: false }, axisLine: { lineStyle: { color: LINE } }, axisLabel: { color: INK } },
      yAxis: { type: "value", minInterval: 1, splitLine: { lineStyle: { color: "#f1f3f4" } }, axisLabel: { color: MUTED } },
      series: series.map((s) => ({
        type: "bar", stack: "levels", name: s.name, barMaxWidth: 44, data: s.values,
        itemStyle: { color: s.colour }, emphasis: { focus: "series" },
      })),
    }));
  }

  // -- maps ---------------------------------------------------------------------------------------
  let index = null; // outlines/index.json: which 6-digit codes have an outline
  const shapes = new Map(); // code -> GeoJSON feature

  async function loadIndex() {
    try {
      if (!index) index = await (await fetch("/dashboard/static/outlines/index.json")).json();
    } catch (err) {
      index = { outlines: {} };
    }
    return index;
  }

  // Names of places that have an outline (from the outline source), for cells the API leaves unnamed.
  async function placeNames(codes) {
    const known = (await loadIndex()).outlines;
    return Object.fromEntries(codes.filter((c) => known[c]).map((c) => [c, known[c].name]));
  }

  // The counties of a city that have outlines (a city code ends in 00), else the code itself.
  async function partsOf(code) {
    const known = (await loadIndex()).outlines;
    const parts = /^\d{4}00$/.test(code) ? Object.keys(known).filter((c) => c !== code && c.startsWith(code.slice(0, 4))).sort() : [];
    return parts.length ? parts : [code];
  }

  async function outlines(codes) {
    await loadIndex();
    if (!codes.length || !codes.every((c) => index.outlines[c])) return null;
    await Promise.all(codes.filter((c) => !shapes.has(c)).map(async (c) => {
      const collection = await (await fetch(`/dashboard/static/outlines/${index.outlines[c].file}`)).json();
      shapes.set(c, collection.features[0]);
    }));
    return { type: "FeatureCollection", features: codes.map((c) => shapes.get(c)) };
  }

  // cells: [{code, name, fill, short, status, detail, lines: [text]}] — fill and words decided by the
  // caller from the API (a withheld colour comes as the withheld grey, with its reason).
  // Drawn on the counties' real outlines when every cell has one, else as labelled tiles.
  async function regionMap(cells, { label, height = 420 } = {}) {
    const geo = await outlines(cells.map((c) => c.code));
    const tooltip = {
      trigger: "item", confine: true, extraCssText: "max-width: 32rem; white-space: normal;",
      formatter: (p) => {
        const c = cells[p.dataIndex];
        return c ? [`<b>${esc(c.name)}</b>${c.name === c.code ? "" : " " + esc(c.code)}`, esc(c.status), ...c.lines.map(esc)].join("<br>") : "";
      },
    };
    if (geo) {
      const key = "qcredit-" + cells.map((c) => c.code).join("-");
      if (!echarts.getMap(key)) echarts.registerMap(key, geo);
      const html = placeholder("region-map-chart outline", label, height, () => ({
        tooltip,
        series: [{
          type: "map", map: key, nameProperty: "code", roam: false, selectedMode: false,
          layoutCenter: ["50%", "50%"], layoutSize: "95%",
          data: cells.map((c) => ({ name: c.code, value: 1, itemStyle: { areaColor: c.fill } })),
          itemStyle: { borderColor: "#ffffff", borderWidth: 1.5 },
          emphasis: { itemStyle: { borderColor: INK, borderWidth: 2 }, label: { color: INK } },
          label: { show: true, color: INK, fontSize: 13, textBorderColor: "#ffffff", textBorderWidth: 2,
            formatter: (p) => { const c = cells.find((x) => x.code === p.name); return c ? `${c.name}\n${c.short}` : p.name; } },
        }],
      }));
      return { html, drawnWith: "outline", source: index.source, licence: index.licence, origin: index.origin };
    }
    const columns = Math.max(1, Math.min(4, Math.ceil(Math.sqrt(cells.length))));
    const rows = Math.ceil(cells.length / columns);
    const html = placeholder("region-map-chart tiles", label, Math.max(140, rows * 118), () => ({
      tooltip,
      grid: { left: 0, right: 0, top: 0, bottom: 0 },
      xAxis: { type: "category", data: [...Array(columns).keys()], show: false },
      yAxis: { type: "category", data: [...Array(rows).keys()], show: false, inverse: true },
      series: [{
        type: "custom",
        data: cells.map((c, i) => ({ name: c.code, value: [i % columns, Math.floor(i / columns)], itemStyle: { color: c.fill } })),
        renderItem: (params, api) => {
          const c = cells[params.dataIndex];
          const [x, y] = api.coord([api.value(0), api.value(1)]);
          const [w, h] = api.size([1, 1]);
          const dark = ["#f6c026", "#f29900", NO_DATA, WITHHELD].includes(c.fill) || !/^#/.test(c.fill);
          const ink = dark ? INK : "#ffffff";
          return { type: "group", children: [
            { type: "rect", shape: { x: x - w / 2 + 4, y: y - h / 2 + 4, width: w - 8, height: h - 8, r: 8 }, style: { fill: c.fill } },
            { type: "text", style: { x: x - w / 2 + 16, y: y - h / 2 + 14, text: c.name, fill: ink, font: `bold 16px ${FONT}` } },
            { type: "text", style: { x: x - w / 2 + 16, y: y - h / 2 + 40, text: [c.code === c.name ? "" : c.code, c.short, c.detail].filter(Boolean).join("\n"), fill: ink, font: `13px ${FONT}`, lineHeight: 18 } },
          ] };
        },
      }],
    }));
    return { html, drawnWith: "tiles" };
  }

  return { bar, stacked, regionMap, placeNames, partsOf, NO_DATA, WITHHELD, instances: live };
})();
