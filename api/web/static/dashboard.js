// qcredit dashboard: plain JavaScript on the public GraphQL API (/graphql), no build step.
// An example for front-end teams: every number on the page comes from a query below, and the
// server decides what the caller may see (a token pasted here is kept in sessionStorage only
// and sent as "Authorization: Bearer …").
"use strict";

const TOKEN_KEY = "qcredit.token";
const PALETTE = { red: "#d93025", orange: "#f29900", yellow: "#f6c026", blue: "#1a73e8", green: "#1e8e3e" };
const FALLBACK = ["#5f6368", "#8ab4f8", "#81c995", "#fdd663", "#f28b82", "#c58af9"];

// -- GraphQL ------------------------------------------------------------------------------------
function authHeaders() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? { Authorization: "Bearer " + token } : {};
}

async function gql(query, variables = {}) {
  const response = await fetch("/graphql", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json", ...authHeaders() },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json().catch(() => ({ errors: [{ message: response.statusText }] }));
  return { data: body.data || null, errors: body.errors || [] };
}

// What a person reads when the server refuses something: a short Chinese sentence per kind of
// refusal (the server's code and English message go to the console for developers).
function errorText(errors) {
  errors.forEach((e) => console.warn((e.extensions && e.extensions.code) || "ERROR", e.message));
  const asPublic = !sessionStorage.getItem(TOKEN_KEY);
  const sentence = {
    FORBIDDEN: asPublic ? "此项不向社会公众公开。" : "此项不向您公开。",
    UNAUTHENTICATED: asPublic ? "此项不向社会公众公开。" : "令牌无效或已过期。",
    NOT_FOUND: "未找到所查询的对象。",
    BAD_USER_INPUT: "查询条件有误，请检查政策与区划代码。",
    POLICY_NOT_IN_FORCE: "该政策在所查日期不施行。",
  };
  const codes = [...new Set(errors.map((e) => (e.extensions && e.extensions.code) || ""))];
  return [...new Set(codes.map((c) => sentence[c] || "服务暂时无法答复此项。"))].join("") || "服务暂时无法答复此项。";
}

// A refusal the caller should expect (not allowed to see) reads as a note, anything else as an error.
function refusal(errors) {
  const refused = (e) => e.extensions && (e.extensions.code === "FORBIDDEN" || (e.extensions.code === "UNAUTHENTICATED" && !sessionStorage.getItem(TOKEN_KEY)));
  const expected = errors.length && errors.every(refused);
  return note(errorText(errors), expected ? "note" : "error");
}

// -- Chinese labels of codes (one source: the server's labels query) -----------------------------
// Every code the page shows goes through label(); a code the server has no label for is shown as
// it is and listed in <body data-unlabelled>, which the browser test reads.
const LABELS = {};
const UNLABELLED = new Set();

async function loadLabels() {
  const { data } = await gql("{ labels { name labels { code label } } }");
  for (const set of data ? data.labels : []) {
    LABELS[set.name] = Object.fromEntries(set.labels.map((l) => [l.code, l.label]));
  }
}

function label(set, code) {
  if (code === null || code === undefined || code === "") return "";
  const found = LABELS[set] && LABELS[set][code];
  if (found && found !== String(code)) return found;
  UNLABELLED.add(`${set}:${code}`);
  document.body.dataset.unlabelled = [...UNLABELLED].join(" ");
  return String(code);
}

// A level as people read it: its code beside the policy's label for it (e.g. "C 较高风险").
function levelText(policyId, code) {
  if (code === null || code === undefined || code === "") return "";
  return `${code} ${label("level", `${policyId}.${code}`)}`;
}

function yesNo(value) { return value ? "是" : "否"; }

// The label of "KIND.rest" in a set; for what a correction amends (the corrected event's
// attributes, written under the correction), the label any kind gives "….rest".
function ofKind(set, kind, rest) {
  const labels = LABELS[set] || {};
  if (`${kind}.${rest}` in labels) return label(set, `${kind}.${rest}`);
  const other = Object.keys(labels).find((k) => k.endsWith(`.${rest}`));
  return other ? labels[other] : null;
}

// One attribute value of an event, by the vocabulary: enumerated values, flags, nested changes.
function attributeValue(kind, name, value) {
  if (typeof value === "boolean") return yesNo(value);
  if (value && typeof value === "object") return `（${attributesText(kind, value)}）`;
  return ofKind("attributeValue", kind, `${name}.${value}`) || String(value);
}

function attributeName(kind, name) {
  return ofKind("eventAttribute", kind, name) || label("eventAttribute", `${kind}.${name}`);
}

// An event's attributes as labelled rows ("抽查结果：不合格；抽查层级：省"), never as JSON.
function attributesText(kind, attributes) {
  return Object.entries(attributes || {})
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => `${attributeName(kind, k)}：${attributeValue(kind, k, v)}`).join("；");
}

// -- small DOM helpers --------------------------------------------------------------------------
function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}
const $ = (selector) => document.querySelector(selector);
function body(id) { return document.querySelector(`#${id} .body`); }
function note(text, cls = "note") { return `<p class="${cls}">${esc(text)}</p>`; }
function fill(colour, i = 0) {
  if (!colour) return FALLBACK[i % FALLBACK.length];
  return PALETTE[colour] || (/^(#[0-9a-f]{3,6}|[a-z]{3,20})$/i.test(colour) ? colour : FALLBACK[i % FALLBACK.length]);
}

// -- schema discovery (fields added by other modules appear at run time) -------------------------
const TYPE_REF = "kind name ofType { kind name ofType { kind name ofType { kind name } } }";
let queryFields = null;

async function discoverQueryFields() {
  if (queryFields) return queryFields;
  const { data } = await gql(`{ __schema { queryType { fields { name args { name type { ${TYPE_REF} } } type { ${TYPE_REF} } } } } }`);
  queryFields = {};
  for (const f of data ? data.__schema.queryType.fields : []) queryFields[f.name] = f;
  return queryFields;
}

function namedType(ref) { while (ref && ref.ofType) ref = ref.ofType; return ref; }
function isList(ref) { while (ref) { if (ref.kind === "LIST") return true; ref = ref.ofType; } return false; }

async function typeFields(name) {
  const { data } = await gql(`query($n: String!) { __type(name: $n) { fields { name args { name } type { ${TYPE_REF} } } } }`, { n: name });
  return (data && data.__type && data.__type.fields) || [];
}

// Build a query for a list-like field we do not know in advance: pass the arguments it accepts
// among those we have, select the scalar fields of its items (connections are unwrapped).
async function genericList(fieldName, args) {
  const fields = await discoverQueryFields();
  const field = fields[fieldName];
  if (!field) return { missing: true };
  const accepted = new Set(field.args.map((a) => a.name));
  const passed = Object.entries(args).filter(([k, v]) => accepted.has(k) && v !== undefined && v !== null);
  let itemType = namedType(field.type).name;
  let wrap = (inner) => inner;
  let own = await typeFields(itemType);
  if (own.some((f) => f.name === "edges")) {
    const edges = own.find((f) => f.name === "edges");
    const node = (await typeFields(namedType(edges.type).name)).find((f) => f.name === "node");
    itemType = namedType(node.type).name;
    own = await typeFields(itemType);
    wrap = (inner) => `edges { node { ${inner} } }`;
  } else if (!isList(field.type)) {
    return { missing: true };
  }
  const scalars = own.filter((f) => ["SCALAR", "ENUM"].includes(namedType(f.type).kind) && f.args.length === 0);
  const selection = scalars.map((f) => f.name).join(" ");
  const argText = passed.map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(", ");
  const { data, errors } = await gql(`{ result: ${fieldName}${argText ? `(${argText})` : ""} { ${wrap(selection)} } }`);
  if (!data || !data.result) return { errors };
  const items = Array.isArray(data.result) ? data.result : data.result.edges.map((e) => e.node);
  return { items, columns: scalars.map((f) => f.name), errors };
}

// Columns of the lists discovered at run time (notices, plans): each field's heading, and how its
// value is read (codes through label(); levels beside their labels).
const COLUMNS = {
  id: ["编号"], policy: ["政策", (v) => label("policy", v)],
  kind: ["类型", (v) => label("noticeKind", v)], color: ["颜色", (v) => label("color", v)],
  level: ["等级", (v, r) => levelText(r.policy, v)], previousLevel: ["原等级", (v, r) => levelText(r.policy, v)],
  subjectType: ["对象", (v) => label("subjectType", v)], enterpriseCode: ["统一社会信用代码"],
  regionCode: ["区划"], category: ["产品类别"], asOf: ["日期"], text: ["内容"], article: ["依据"],
  createdAt: ["发布时间", (v) => String(v).slice(0, 10)], closedAt: ["关闭时间", (v) => String(v).slice(0, 10)],
  year: ["年度"], capacity: ["检查力量（户次）"], unusedCapacity: ["未用检查力量"], seed: ["随机种子"],
  algorithm: ["抽取算法"], inputsDigest: ["输入摘要"], gradesAsOf: ["评定日期"],
};

function columnTitle(column) { return (COLUMNS[column] || [column])[0]; }

function cell(value, column = "", row = {}) {
  if (value === null || value === undefined || value === "") return "";
  const read = COLUMNS[column] && COLUMNS[column][1];
  if (read) return esc(read(value, row));
  if (typeof value === "boolean") return yesNo(value);
  if (Array.isArray(value)) return esc(value.join("、"));
  if (typeof value === "object") return esc(Object.entries(value).map(([k, v]) => `${columnTitle(k)}：${v}`).join("；"));
  return esc(value);
}

function table(columns, rows, limit = 12) {
  if (!rows.length) return note("（无）");
  const head = columns.map((c) => `<th>${esc(columnTitle(c))}</th>`).join("");
  const lines = rows.slice(0, limit).map((r) => `<tr>${columns.map((c) => `<td>${cell(r[c], c, r)}</td>`).join("")}</tr>`);
  const more = rows.length > limit ? note(`另有 ${rows.length - limit} 条`) : "";
  return `<table><thead><tr>${head}</tr></thead><tbody>${lines.join("")}</tbody></table>${more}`;
}

// -- charts (Apache ECharts, drawn by charts.js; each with a table of the same figures) -------------
// bars: [{key, label, value, colour}], one per level.
function barChart(bars, { unit = "", title = "等级分布" } = {}) {
  const described = bars.map((b) => `${b.label}（${b.key}）${b.value}${unit}`).join("，");
  const chart = QcreditCharts.bar(
    bars.map((b, i) => ({ name: `${b.label}\n${b.key}`, value: b.value, colour: fill(b.colour, i) })),
    { label: `${title}柱状图：${described}`, unit });
  const rows = bars.map((b, i) => `<tr class="bar" data-level="${esc(b.key)}" data-count="${b.value}">
    <td><i class="swatch" style="background:${fill(b.colour, i)}"></i>${esc(b.label)}</td><td>${esc(b.key)}</td><td>${b.value}${esc(unit)}</td></tr>`).join("");
  return `<div class="chart">${chart}</div><table class="chart-table"><caption>${esc(title)}（数据表）</caption>
    <thead><tr><th>等级</th><th>代码</th><th>数量</th></tr></thead><tbody>${rows}</tbody></table>`;
}

// columns: [{label, values: {key: n}}]; series: [{key, label, colour}]
function stackedChart(columns, series, { title = "变化趋势" } = {}) {
  const periods = columns.map((c) => c.label);
  const chart = QcreditCharts.stacked(periods,
    series.map((s, j) => ({ name: `${s.label}（${s.key}）`, colour: fill(s.colour, j), values: columns.map((c) => c.values[s.key] || 0) })),
    { label: `${title}堆叠柱状图：` + columns.map((c) => `${c.label} ` + series.map((s) => `${s.label}${c.values[s.key] || 0}`).join("、")).join("；") });
  const head = series.map((s, j) => `<th><i class="swatch" style="background:${fill(s.colour, j)}"></i>${esc(s.label)}（${esc(s.key)}）</th>`).join("");
  const rows = columns.map((c) => `<tr><th scope="row">${esc(c.label)}</th>${series.map((s) => {
    const n = c.values[s.key] || 0;
    return `<td class="${n ? "segment" : "zero"}" data-period="${esc(c.label)}" data-level="${esc(s.key)}" data-count="${n}">${n}</td>`;
  }).join("")}</tr>`).join("");
  return `<div class="chart">${chart}</div><details class="chart-table"><summary>${esc(title)}（数据表）</summary>
    <table><thead><tr><th>时期</th>${head}</tr></thead><tbody>${rows}</tbody></table></details>`;
}

// -- the dashboard ------------------------------------------------------------------------------
let policies = [];

const MAP_CELLS = "code name color colorWithheld subjects counts { level label count share } reasons { article text }";

async function loadDistribution(policy, region) {
  const el = body("distribution");
  el.innerHTML = note("加载中…");
  // One aggregate: the subjects per level the caller may see (a hidden level is not counted,
  // exactly as the enterprise list's totalCount; docs/api-lists.md).
  const { data, errors } = await gql(`query($p: String!, $r: String!) { levelCounts(policy: $p, regionCode: $r) { total counts { level count } } }`, { p: policy.id, r: region });
  if (!data) { el.innerHTML = refusal(errors); return; }
  const answer = data.levelCounts;
  const counted = {};
  answer.counts.forEach((c) => { counted[c.level] = (counted[c.level] || 0) + c.count; });
  // A bar for each level counted: a level without a row is one the caller sees none of (or
  // may not see at all), and a zero bar would claim more than the API says.
  // Enterprise levels first, then product tiers, each best first (the map's counts use the
  // same order), rather than the catalogue's rank order that interleaves the two.
  const kindOf = (l) => l.subjectTypes.slice().sort()[0] || "";
  const bars = policy.levels.slice()
    .sort((a, b) => kindOf(a).localeCompare(kindOf(b)) || a.rank - b.rank)
    .filter((l) => counted[l.code])
    .map((l) => ({ key: l.code, label: l.label, value: counted[l.code], colour: l.color }));
  const caption = answer.total
    ? `评定对象共 ${answer.total} 个（企业与产品；只计您可以看到的等级）`
    : "您看不到本区域任何评定对象的等级（未公开的等级不计入）";
  el.innerHTML = (bars.length ? barChart(bars) : "") + note(caption);  // no empty axes
}

// Levels of one subject type at a time (a policy may grade enterprises and products apart).
function byType(policy, series) {
  const groups = {};
  series.forEach((s) => {
    const level = policy.levels.find((l) => l.code === s.key);
    const type = (level && level.subjectTypes.slice().sort()[0]) || "";
    (groups[type] = groups[type] || []).push(s);
  });
  return Object.keys(groups).sort().map((type) => ({ type, part: groups[type] }));
}

function quarterEnds(today, n) {
  const out = [];
  let y = today.getUTCFullYear(), q = Math.floor(today.getUTCMonth() / 3); // current quarter index
  for (let i = 0; i < n; i++) {
    q -= 1;
    if (q < 0) { q = 3; y -= 1; }
    const month = q * 3 + 3;
    const last = new Date(Date.UTC(y, month, 0));
    out.unshift({ label: `${y}Q${q + 1}`, date: last.toISOString().slice(0, 10) });
  }
  return out;
}

async function loadTrend(policy, region, drawsMap) {
  const el = body("trend");
  el.innerHTML = note("加载中…");
  // drawsMap no longer matters: levelCounts grades past quarter-ends for any policy, once (the
  // grades are kept and re-read), and drops the quarter-ends before the policy was in force.
  const quarters = quarterEnds(new Date(), 8);
  const series = policy.levels.map((l) => ({ key: l.code, label: l.label, colour: l.color }));
  const { data, errors } = await gql(`query($p: String!, $r: String!, $f: Date!, $d: Date!) { levelCounts(policy: $p, regionCode: $r, groupBy: [QUARTER], from: $f, asOf: $d) { periods counts { level periodEnd count } } }`,
    { p: policy.id, r: region, f: quarters[0].date, d: quarters[quarters.length - 1].date });
  const columns = [];
  if (data) {
    const labels = {};
    quarters.forEach((q) => { labels[q.date] = q.label; });
    const values = {};
    data.levelCounts.counts.forEach((c) => {
      const v = (values[c.periodEnd] = values[c.periodEnd] || {});
      v[c.level] = (v[c.level] || 0) + c.count;
    });
    data.levelCounts.periods.forEach((d) => {
      if (values[d]) columns.push({ label: labels[d] || d, values: values[d] });
    });
  }
  if (columns.length) {
    el.innerHTML = byType(policy, series).map(({ type, part }) =>
      `<p class="note">${esc(label("subjectType", type))}</p>` + stackedChart(columns, part)).join("")
      + note("各季度末按当时已知事实评定（只计您可以看到的等级）");
    return;
  }
  // Not allowed to see whole-region counts: fall back to the grade changes the caller may see.
  const feed = await gql(`query($p: String) { gradeChanges(policy: $p, first: 100) { changes { asOf current } } }`, { p: policy.id });
  const changes = (feed.data && feed.data.gradeChanges.changes) || [];
  const months = {};
  changes.forEach((c) => {
    if (!c.current) return;
    const m = c.asOf.slice(0, 7);
    months[m] = months[m] || {};
    months[m][c.current] = (months[m][c.current] || 0) + 1;
  });
  const cols = Object.keys(months).sort().map((m) => ({ label: m, values: months[m] }));
  el.innerHTML = cols.length
    ? stackedChart(cols, series) + note("您可以看到的等级变更，按月统计")
    : note(sessionStorage.getItem(TOKEN_KEY)
      ? "您的令牌看不到本区域的等级分布变化。"
      : "本区域的等级分布变化不向社会公众公开。");
  if (!cols.length && errors.length) console.info("levelCounts:", errors);
}

// One map cell as charts.js draws it: the fill and the words come from the API's answer only, so
// a withheld colour is drawn withheld (grey, with the API's reason) and hidden counts stay hidden.
function mapCell(c, m) {
  const name = c.name || (c.code === m.regionCode && m.subRegionKind === "TOWN" ? "未登记镇街" : c.code);
  // The colour's Chinese name from the server's labels where the page has them (label()).
  const colourName = typeof label === "function" ? label("color", c.color) : c.color;
  const short = c.color ? colourName : c.colorWithheld ? "不公开" : "无评定";
  const lines = [];
  if (c.colorWithheld) lines.push(`不公开：${c.colorWithheld}`);
  if (c.subjects !== null && c.subjects !== undefined) lines.push(`评定对象 ${c.subjects} 个`);
  if (c.counts) lines.push(c.counts.map((x) => `${x.label || x.level} ${x.count}`).join("，"));
  if (c.reasons) c.reasons.forEach((r) => lines.push(`${r.text}（${r.article}）`));
  const fillColour = c.color ? fill(c.color) : c.colorWithheld ? QcreditCharts.WITHHELD : QcreditCharts.NO_DATA;
  const detail = c.subjects !== null && c.subjects !== undefined ? `评定对象 ${c.subjects} 个` : "";
  return { code: c.code, name, short, status: `颜色：${short}`, detail, lines, fill: fillColour };
}

async function loadMap(policy, region) {
  const el = body("map");
  el.innerHTML = note("加载中…");
  const { data, errors } = await gql(`query($p: String!, $r: String!) { regionMap(policy: $p, regionCode: $r) { policy regionCode regionName asOf subRegionKind publicMinEnterprises region { ${MAP_CELLS} } subRegions { ${MAP_CELLS} } } }`, { p: policy.id, r: region });
  if (!data) {
    if (!errors.some((e) => /draws no regional map/.test(e.message))) { el.innerHTML = note(errorText(errors)); return false; }
    // No colours in this policy: show where it applies, uncoloured.
    const codes = (await Promise.all(policy.regionCodes.map(QcreditCharts.partsOf))).flat();
    const where = codes.map((code) => ({ code, name: code, short: "", detail: "", status: "该政策不划分区域风险颜色", lines: [], fill: QcreditCharts.NO_DATA }));
    const names = await QcreditCharts.placeNames(where.map((c) => c.code));
    where.forEach((c) => { c.name = names[c.code] || c.code; });
    const drawn = await QcreditCharts.regionMap(where, { label: `${policy.name}的适用区域：${where.map((c) => c.name).join("、")}`, height: 320 });
    el.innerHTML = note("该政策不划分区域风险颜色。下图只标出政策的适用区域。") + drawn.html + outlineNote(drawn, where);
    return false;
  }
  const m = data.regionMap;
  const rows = m.subRegions.map((c) => ({
    区划: c.name ? `${c.name} ${c.code}` : c.code,
    颜色: label("color", c.color) || (c.colorWithheld ? "不公开" : "—"),
    评定对象: c.subjects ?? "（不可见）",
    各等级: c.counts ? c.counts.map((x) => `${levelText(policy.id, x.level)} ${x.count}`).join("，") : "（不可见）",
    依据: c.reasons ? c.reasons.map((r) => `${r.article} ${r.text}`).join("；") : "",
  }));
  const cells = (m.subRegions.length ? m.subRegions : [m.region]).map((c) => mapCell(c, m));
  const whole = mapCell(m.region, m);
  const drawn = await QcreditCharts.regionMap(cells, {
    label: `${m.regionName || m.regionCode} 区域风险分色图（${m.asOf}），全域${whole.short}：` + cells.map((c) => `${c.name}${c.short}`).join("，"),
  });
  const legend = [...new Map(cells.map((c) => [c.fill, c.short])).entries()]
    .map(([colour, text]) => `<span><i class="swatch" style="background:${colour}"></i>${esc(text)}</span>`).join("");
  el.innerHTML = note(`${m.regionName || m.regionCode} · ${m.asOf} · 全域：${whole.short}`) + drawn.html
    + `<div class="legend note">${legend}</div>` + outlineNote(drawn, cells)
    + table(["区划", "颜色", "评定对象", "各等级", "依据"], rows, 40)
    + note(`颜色对所有人公开（已评定企业不少于 ${m.publicMinEnterprises} 家的区划）；各等级数量只对能看到其中每个等级的调用者显示。`)
    + `<p class="note"><a href="/maps/${encodeURIComponent(policy.id)}/${encodeURIComponent(region)}.svg">打印用 SVG 图（公开视图）</a></p>`;
  return true;
}

function outlineNote(drawn, cells) {
  return drawn.drawnWith === "outline"
    ? note(`边界：${drawn.source.package} ${drawn.source.version}（${drawn.licence}；${drawn.origin}），已简化，仅供示意，非标准地图。`)
    : note(`以方块示意：${cells.some((c) => c.code.length > 6) ? "镇（街道）" : "部分区划"}没有随软件打包的边界。`);
}

async function loadWarnings(policy, region) {
  const el = body("warnings");
  const answer = await genericList("notices", { policy: policy.id, regionCode: region, open: true, openOnly: true });
  if (answer.missing) { el.innerHTML = note("本服务尚未提供预警查询（notices）。"); return; }
  if (!answer.items) { el.innerHTML = refusal(answer.errors); return; }
  let items = answer.items;
  if (answer.columns.includes("open")) items = items.filter((n) => n.open);
  else if (answer.columns.includes("closedAt")) items = items.filter((n) => !n.closedAt);
  else if (answer.columns.includes("status")) items = items.filter((n) => String(n.status).toUpperCase() === "OPEN");
  const preferred = ["kind", "color", "level", "regionCode", "category", "asOf", "text"];
  const columns = preferred.filter((c) => answer.columns.includes(c));
  el.innerHTML = note(`共 ${items.length} 条`) + table(columns.length ? columns : answer.columns.slice(0, 6), items, 10);
}

async function loadPlan(policy, region) {
  const el = body("plan");
  const year = new Date().getUTCFullYear();
  const answer = await genericList("inspectionPlans", { policy: policy.id, regionCode: region, year });
  if (answer.missing) { el.innerHTML = note("本服务尚未提供检查计划查询（inspectionPlans）。"); return; }
  if (!answer.items) { el.innerHTML = refusal(answer.errors); return; }
  if (!answer.items.length) { el.innerHTML = note("本区域尚无检查计划。"); return; }
  const plan = answer.items.slice().sort((a, b) => (b.year || 0) - (a.year || 0) || String(b.id).localeCompare(String(a.id)))[0];
  const done = ["done", "completed", "checksDone", "resultsIn", "inspected"].find((k) => typeof plan[k] === "number");
  const total = ["total", "checks", "items", "itemCount", "planned", "checksPlanned"].find((k) => typeof plan[k] === "number");
  let html = "";
  if (done && total && plan[total] > 0) {
    const share = Math.round((100 * plan[done]) / plan[total]);
    html += `<div class="progress" data-done="${plan[done]}" data-total="${plan[total]}"><div style="width:${share}%"></div></div>`
      + note(`已完成 ${plan[done]} / ${plan[total]}（${share}%）`);
  }
  // The plan's fields as labelled rows; fields without a Chinese heading are not shown.
  const rows = Object.entries(plan).filter(([k, v]) => k in COLUMNS && v !== null && v !== "")
    .map(([k, v]) => `<tr><th>${esc(columnTitle(k))}</th><td>${cell(v, k, plan)}</td></tr>`);
  el.innerHTML = html + (rows.length ? `<table class="fields"><tbody>${rows.join("")}</tbody></table>` : "");
}

async function loadEnterprises(policy, region) {
  const el = body("enterprises");
  const { data, errors } = await gql(`query($p: String!, $r: String!) { enterprises(filter: {policy: $p, regionCode: $r}, first: 12) { totalCount edges { node { code name regionCode townCode } } } }`, { p: policy.id, r: region });
  if (!data) { el.innerHTML = refusal(errors); return; }
  const rows = data.enterprises.edges.map(({ node }) => ({
    名称: node.name, 代码: node.code, 区划: node.townCode || node.regionCode,
  }));
  const links = rows.map((r) => `<tr><td><a href="/dashboard/enterprise/${encodeURIComponent(r.代码)}">${esc(r.名称)}</a></td><td>${esc(r.代码)}</td><td>${esc(r.区划)}</td></tr>`).join("");
  el.innerHTML = note(`本区域共 ${data.enterprises.totalCount} 家企业，显示前 ${rows.length} 家`)
    + `<table><thead><tr><th>名称</th><th>代码</th><th>区划</th></tr></thead><tbody>${links}</tbody></table>`;
}

async function showDashboard(policyId, region) {
  const policy = policies.find((p) => p.id === policyId) || policies[0];
  if (!policy) return;
  region = region || policy.regionCodes[0];
  $("#policy").value = policy.id;
  $("#region").value = region;
  history.replaceState(null, "", `/dashboard?policy=${encodeURIComponent(policy.id)}&region=${encodeURIComponent(region)}`);
  $("#scope-title").textContent = `${policy.name} · ${region}`;
  const drawsMap = await loadMap(policy, region);
  await Promise.all([
    loadDistribution(policy, region).catch(fail("distribution")),
    loadTrend(policy, region, drawsMap).catch(fail("trend")),
    loadWarnings(policy, region).catch(fail("warnings")),
    loadPlan(policy, region).catch(fail("plan")),
    loadEnterprises(policy, region).catch(fail("enterprises")),
  ]);
  document.body.dataset.loaded = "dashboard";
}

function fail(id) {
  return (err) => { console.error(err); body(id).innerHTML = note("本栏加载失败，请稍后重试。", "error"); };
}

// -- 一企一档: the printable enterprise file -----------------------------------------------------
const REASON = "rule article text";
const ASSESSMENT = `policy { id name } level levelInfo { label color } score asOf subjectType
  reasons { ${REASON} } whyNotBetter { ${REASON} }
  supervision { kind text article minPerYear planShareMin planShareMax color }
  publicity { audience allowed needsReview text } figures { name label value valueLabel article }`;

// A figure's value as people read it: the policy's name for a coded value, 是/否 for a flag.
function figureValue(f) {
  if (f.valueLabel) return f.valueLabel;
  if (typeof f.value === "boolean") return yesNo(f.value);
  return f.value === null || f.value === undefined ? "—" : String(f.value);
}

function assessmentHtml(a) {
  const item = (r) => `<li>${esc(r.text)} <span class="muted">（${esc(r.article)}）</span></li>`;
  const reasons = a.reasons.map(item).join("");
  const blockers = a.whyNotBetter.map(item).join("");
  // A shared measure kind is tagged with its label; a policy's own kinds are named by its text.
  const tag = (m) => (LABELS.measureKind && m.kind in LABELS.measureKind ? `<span class="tag">${esc(label("measureKind", m.kind))}</span>` : "");
  const measures = a.supervision.map((m) => `<li>${tag(m)}${esc(m.text)} <span class="muted">（${esc(m.article)}）</span></li>`).join("");
  // Who may see this grade, by the policy's publicity rules.
  const shown = (a.publicity || []).map((p) => `${label("audience", p.audience)}${p.allowed ? (p.needsReview ? "（经审核）" : "") : "（不公开）"}`);
  // What the policy computed on the way (an index, a mode …), labelled by the policy itself.
  const extras = (a.figures || []).map((f) => `${esc(f.label)}：${esc(figureValue(f))} <span class="muted">（${esc(f.article)}）</span>`);
  return `<div class="assessment" data-policy="${esc(a.policy.id)}" data-level="${esc(a.level)}">
    <strong><i class="swatch" style="background:${fill(a.levelInfo.color)}"></i>${esc(a.levelInfo.label)}（${esc(a.level)}）</strong>
    ${a.score !== null ? ` · 分数 ${esc(a.score)}` : ""} · ${esc(a.policy.name)} · 评定日期 ${esc(a.asOf)}
    ${extras.length ? `<p>${extras.join(" · ")}</p>` : ""}
    ${reasons ? `<p>评定理由：</p><ul>${reasons}</ul>` : ""}
    ${blockers ? `<p>距更好等级：</p><ul>${blockers}</ul>` : ""}
    ${measures ? `<p>监管措施：</p><ul>${measures}</ul>` : ""}
    ${shown.length ? `<p class="muted">公开范围：${esc(shown.join("、"))}</p>` : ""}
  </div>`;
}

async function showFile(code) {
  const el = $("#file");
  el.hidden = false;
  el.innerHTML = note("加载中…");
  // Three queries rather than one: each stays under the server's query-cost limit.
  const [main, goods, ledger] = await Promise.all([
    gql(`query($c: String!) {
      enterprise(code: $c) { code name regionCode townCode establishedOn roles assessments { ${ASSESSMENT} } }
      badges(code: $c) { policy label color colorLabel withheld verificationUrl } }`, { c: code }),
    gql(`query($c: String!) { enterprise(code: $c) { products(first: 50) { edges { node {
      id trademark niceClass category assessments { policy { id } level levelInfo { label } figures { label value valueLabel } } } } } } }`, { c: code }),
    gql(`query($c: String!) { enterprise(code: $c) { events(first: 100) { totalCount edges { node {
      kind occurredOn status attributes externalId } } } } }`, { c: code }),
  ]);
  const data = main.data;
  const errors = [...main.errors, ...goods.errors, ...ledger.errors];
  const e = data && data.enterprise;
  if (!e) { el.innerHTML = errors.length ? refusal(errors) : note(`没有统一社会信用代码为 ${code} 的企业。`); return; }
  e.products = goods.data && goods.data.enterprise ? goods.data.enterprise.products : { edges: [] };
  e.events = ledger.data && ledger.data.enterprise ? ledger.data.enterprise.events : null;
  const hidden = errors.filter((x) => x.extensions && x.extensions.code === "FORBIDDEN");
  const asPublic = !sessionStorage.getItem(TOKEN_KEY);
  const products = e.products.edges.map(({ node }) => node);
  const productRows = products.map((p) => {
    const a = p.assessments.map((x) => `${label("policy", x.policy.id)}：${levelText(x.policy.id, x.level)}${x.figures.map((f) => `（${f.label} ${figureValue(f)}）`).join("")}`).join("；") || (asPublic ? "不向社会公众公开" : "无可见的分级");
    return `<tr><td>${esc(p.trademark)}</td><td>${esc(p.niceClass)}</td><td>${esc(p.category || "")}</td><td>${esc(a)}</td></tr>`;
  }).join("");
  const events = e.events ? e.events.edges.map(({ node }) => node) : null;
  const eventRows = events ? events.map((v) => `<tr><td>${esc(v.occurredOn)}</td><td>${esc(label("eventKind", v.kind))}</td><td>${esc(label("eventStatus", v.status))}</td><td>${esc(attributesText(v.kind, v.attributes))}</td></tr>`).join("") : "";
  const badges = data.badges.map((b) => `<div class="badge" data-policy="${esc(b.policy)}">
      <img src="/badge/${encodeURIComponent(e.code)}.svg?policy=${encodeURIComponent(b.policy)}" alt="${esc(b.label)}二维码">
      <div>${esc(label("policy", b.policy))} ${esc(b.label)}：${b.color ? `<i class="swatch" style="background:${fill(b.color)}"></i>${esc(b.colorLabel)}` : `<span class="muted">${asPublic ? "不向社会公众公开" : "不向您公开"}</span>`}<br>
      <a href="${esc(b.verificationUrl)}">${esc(b.verificationUrl)}</a></div></div>`).join("");
  el.innerHTML = `
    <div class="file-actions"><a href="/dashboard">← 看板</a><button onclick="window.print()">打印</button></div>
    <h1>一企一档 · ${esc(e.name)}</h1>
    <section id="identity"><h2>基本信息</h2><dl>
      <dt>统一社会信用代码</dt><dd>${esc(e.code)}</dd>
      <dt>行政区划</dt><dd>${esc(e.regionCode)}${e.townCode ? ` / ${esc(e.townCode)}` : ""}</dd>
      <dt>成立日期</dt><dd>${esc(e.establishedOn || "—")}</dd>
      <dt>主体类型</dt><dd>${esc(e.roles.map((r) => label("enterpriseRole", r)).join("、") || "—")}</dd></dl></section>
    <section id="badges"><h2>信用标识</h2>${badges || note("无")}</section>
    <section id="assessments"><h2>评定结果、理由与监管措施</h2>${e.assessments.map(assessmentHtml).join("") || note(asPublic ? "本企业的评定结果不向社会公众公开。" : "无可见的评定")}</section>
    <section id="products"><h2>产品</h2>${products.length ? `<table><thead><tr><th>商标</th><th>尼斯分类</th><th>类别</th><th>分级</th></tr></thead><tbody>${productRows}</tbody></table>` : note("无")}</section>
    <section id="events"><h2>事件记录</h2>${events && events.length ? `<table><thead><tr><th>日期</th><th>类型</th><th>状态</th><th>内容</th></tr></thead><tbody>${eventRows}</tbody></table>` : note("无可见的事件记录（事件台账只对辖区监管部门和企业本身开放）。")}</section>
    <section id="file-warnings"><h2>预警</h2><div class="body"></div></section>
    ${hidden.length ? note(asPublic ? "部分内容不向社会公众公开。" : "部分内容不向您公开。") : ""}`;
  const w = el.querySelector("#file-warnings .body");
  const answer = await genericList("notices", { enterpriseCode: e.code, code: e.code });
  if (answer.missing) w.innerHTML = note("本服务尚未提供预警查询（notices）。");
  else if (!answer.items) w.innerHTML = refusal(answer.errors);
  else w.innerHTML = table(answer.columns.filter((c) => ["policy", "kind", "color", "level", "asOf", "text", "closedAt"].includes(c)), answer.items, 30);
  document.title = `一企一档 · ${e.name}`;
  document.body.dataset.loaded = "file";
}

// -- start --------------------------------------------------------------------------------------
async function whoami() {
  const { data } = await gql("{ me { role regions enterpriseCode } }");
  $("#whoami").textContent = data
    ? `角色：${label("callerRole", data.me.role)}${data.me.regions.length ? " · 辖区 " + data.me.regions.join("、") : ""}${data.me.enterpriseCode ? " · " + data.me.enterpriseCode : ""}`
    : "令牌无效";
}

async function start() {
  // A token may also arrive in the URL fragment (#token=…), which is never sent to a server:
  // it is moved into sessionStorage and removed from the address bar at once.
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.get("token")) {
    sessionStorage.setItem(TOKEN_KEY, fragment.get("token"));
    history.replaceState(null, "", location.pathname + location.search);
  }
  $("#token").value = sessionStorage.getItem(TOKEN_KEY) || "";
  $("#token-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const value = $("#token").value.trim();
    if (value) sessionStorage.setItem(TOKEN_KEY, value); else sessionStorage.removeItem(TOKEN_KEY);
    location.reload();
  });
  $("#token-clear").addEventListener("click", () => { sessionStorage.removeItem(TOKEN_KEY); location.reload(); });
  await loadLabels();  // once, before anything that shows a code
  await whoami();
  const fileMatch = location.pathname.match(/^\/dashboard\/enterprise\/([^/]+)$/);
  if (fileMatch) { await showFile(decodeURIComponent(fileMatch[1])); return; }
  const { data, errors } = await gql("{ policies { id name effectiveFrom regionCodes levels { code label rank color subjectTypes } } }");
  if (!data) { $("#dashboard").hidden = false; $("#scope-title").textContent = errorText(errors); return; }
  policies = data.policies;
  $("#policy").innerHTML = policies.map((p) => `<option value="${esc(p.id)}">${esc(p.name)}</option>`).join("");
  $("#dashboard").hidden = false;
  $("#scope").addEventListener("submit", (ev) => { ev.preventDefault(); showDashboard($("#policy").value, $("#region").value.trim()); });
  $("#policy").addEventListener("change", () => { $("#region").value = ""; showDashboard($("#policy").value, ""); });
  $("#open-file").addEventListener("click", () => {
    const code = $("#file-code").value.trim();
    if (code) location.href = `/dashboard/enterprise/${encodeURIComponent(code)}`;
  });
  const params = new URLSearchParams(location.search);
  await showDashboard(params.get("policy") || "", params.get("region") || "");
}

start();
