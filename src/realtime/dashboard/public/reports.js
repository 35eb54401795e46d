// The supervisors' reports page: service level and speed of answer per queue as charts
// (Chart.js, served by the broker), the figures per expert as a table, CSV downloads.
// Figures and their definitions: GET /v1/reports/queues and /experts, docs/api.md "Reports".
/* global Chart */
import { renewalDelay, retryDelay } from './sign-in.js';
import { $, readToken } from './state.js';

const COLORS = ['#1f5bc4', '#c4501f', '#2e8540', '#8a3ab9', '#b38600', '#00838f'];

let token = readToken();

/**
 * With the company account the tab holds no token: the broker's session cookie (Path=/auth)
 * gets a short-lived one from POST /auth/token, renewed a minute (at most a third of its life)
 * before it expires, as the dashboard does. An answer that may change (the network, a 5xx, 408
 * or 429) is asked again with the dashboard's back-off (3 s, 6 s … a minute); any other means
 * there is no session (401, 403; 404 without company sign-in): null, and nothing more is asked.
 */
const SIGN_IN_FIRST = 'Sign in on the dashboard first, then open Reports from there.';
let renewal = null;
let failedRenewals = 0;
/** The first token could not be had for now: the page starts once a retry brings one. */
let waitingToStart = false;
const mayChange = (status) => status >= 500 || status === 408 || status === 429;
async function companyToken() {
  clearTimeout(renewal);
  const answer = await fetch('/auth/token', { method: 'POST', credentials: 'same-origin' }).catch(
    () => null,
  );
  const body = answer?.ok ? await answer.json().catch(() => null) : null;
  if (body?.accessToken) {
    failedRenewals = 0;
    renewal = setTimeout(() => void renewToken(), renewalDelay(body.expiresAt));
    return body.accessToken;
  }
  if (answer && !answer.ok && !mayChange(answer.status)) {
    failedRenewals = 0;
    return null;
  }
  failedRenewals += 1;
  const wait = retryDelay(failedRenewals, answer?.headers.get('retry-after'));
  renewal = setTimeout(() => void renewToken(), wait);
  return null;
}

async function renewToken() {
  const renewed = await companyToken();
  if (!renewed) {
    // Asked again it said there is no session: the page cannot start, and says why.
    if (waitingToStart && failedRenewals === 0) {
      waitingToStart = false;
      showError(SIGN_IN_FIRST);
    }
    return;
  }
  token = renewed;
  document.body.dataset.tokenRenewals = String(
    Number(document.body.dataset.tokenRenewals ?? 0) + 1,
  );
  if (waitingToStart) {
    waitingToStart = false;
    $('report-error').hidden = true;
    void start();
  }
}

async function get(path) {
  const response = await fetch(path, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    throw new Error(body.message ?? `HTTP ${response.status}`);
  }
  return response;
}

function showError(message) {
  $('report-error').textContent = message;
  $('report-error').hidden = false;
}

/** A bucket's label for people: its local start, as short as the bucket allows. */
function periodOf(bucket, size) {
  const [date, time] = bucket.split('T');
  if (size === 'hour') return `${date} ${time.slice(0, 5)}`;
  return size === 'week' ? `week of ${date}` : date;
}
const seconds = (value) => (value === null ? '–' : `${value} s`);
const percent = (value) => (value === null ? '–' : `${value} %`);

function query() {
  const params = new URLSearchParams({
    from: $('report-from').value,
    to: $('report-to').value,
    bucket: $('report-bucket').value,
    timeZone: $('report-zone').value.trim() || 'UTC',
  });
  return params.toString();
}

const charts = {};
function drawChart(id, labels, datasets, yTitle) {
  charts[id]?.destroy();
  charts[id] = new Chart($(id), {
    type: 'line',
    data: { labels, datasets },
    options: {
      animation: false,
      maintainAspectRatio: false,
      spanGaps: true,
      scales: { y: { beginAtZero: true, title: { display: true, text: yTitle } } },
      plugins: { legend: { position: 'bottom' } },
    },
  });
}

function drawQueues(report) {
  const labels = [...new Set(report.rows.map((row) => periodOf(row.bucket, report.bucket)))];
  const queues = [...new Map(report.rows.map((row) => [row.id, row.name])).entries()];
  const series = (id, field) => report.rows.filter((row) => row.id === id).map((row) => row[field]);
  drawChart(
    'chart-service-level',
    labels,
    queues.map(([id, name], index) => ({
      label: name,
      data: series(id, 'serviceLevelPercent'),
      borderColor: COLORS[index % COLORS.length],
      backgroundColor: COLORS[index % COLORS.length],
    })),
    '%',
  );
  drawChart(
    'chart-speed',
    labels,
    queues.flatMap(([id, name], index) => [
      {
        label: `${name} average`,
        data: series(id, 'averageSpeedOfAnswerSeconds'),
        borderColor: COLORS[index % COLORS.length],
        backgroundColor: COLORS[index % COLORS.length],
      },
      {
        label: `${name} p90`,
        data: series(id, 'p90SpeedOfAnswerSeconds'),
        borderColor: COLORS[index % COLORS.length],
        backgroundColor: COLORS[index % COLORS.length],
        borderDash: [6, 4],
      },
    ]),
    's',
  );
}

function cell(text) {
  const td = document.createElement('td');
  td.textContent = text;
  return td;
}

/** One row per expert and period in which they took calls (empty periods are left out). */
function drawExperts(report) {
  const rows = report.rows.filter((row) => row.requests > 0);
  $('expert-report-empty').hidden = rows.length > 0;
  $('expert-report').tBodies[0].replaceChildren(
    ...rows.map((row) => {
      const tr = document.createElement('tr');
      tr.dataset.expertId = row.id;
      const name = document.createElement('th');
      name.scope = 'row';
      name.textContent = row.name;
      tr.append(
        name,
        cell(periodOf(row.bucket, report.bucket)),
        cell(String(row.requests)),
        cell(String(row.answered)),
        cell(String(row.missed)),
        cell(seconds(row.averageSpeedOfAnswerSeconds)),
        cell(percent(row.serviceLevelPercent)),
        cell(seconds(row.averageTalkSeconds)),
        cell(seconds(row.averageAfterCallWorkSeconds)),
        cell(percent(row.firstTimeFixPercent)),
        cell(row.averageRating === null ? '–' : `${row.averageRating} (${row.ratings})`),
      );
      return tr;
    }),
  );
}

async function show() {
  $('report-error').hidden = true;
  $('report-status').textContent = 'Loading…';
  try {
    const [queues, experts] = await Promise.all([
      get(`/v1/reports/queues?${query()}`).then((response) => response.json()),
      get(`/v1/reports/experts?${query()}`).then((response) => response.json()),
    ]);
    drawQueues(queues);
    drawExperts(experts);
    $('report-status').textContent =
      `${queues.timeZone}, per ${queues.bucket}, ${queues.from} to ${queues.to} (UTC)`;
    document.body.dataset.report = 'shown';
  } catch (error) {
    $('report-status').textContent = '';
    showError(error.message);
  }
}

/** The CSV needs the token, so it is fetched and handed to the browser as a download. */
async function download(subject) {
  try {
    const response = await get(`/v1/reports/${subject}?${query()}&format=csv`);
    const link = document.createElement('a');
    link.href = URL.createObjectURL(await response.blob());
    link.download = `${subject}-${$('report-from').value}-${$('report-to').value}.csv`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  } catch (error) {
    showError(error.message);
  }
}

function localDate(date) {
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 10);
}

async function start() {
  token ??= await companyToken();
  if (!token && failedRenewals > 0) {
    waitingToStart = true;
    return showError('The broker cannot give this page a token just now; trying again…');
  }
  if (!token) return showError(SIGN_IN_FIRST);
  try {
    const session = await (await get('/v1/session')).json();
    $('who').textContent = session.person.displayName;
    if (!['supervisor', 'integration'].some((role) => session.person.roles.includes(role)))
      return showError('Reports are for supervisors.');
  } catch (error) {
    return showError(`This token does not open the reports: ${error.message}`);
  }
  const params = new URLSearchParams(location.search);
  const today = new Date();
  $('report-to').value = params.get('to') ?? localDate(today);
  $('report-from').value =
    params.get('from') ?? localDate(new Date(today.getTime() - 6 * 86_400_000));
  $('report-bucket').value = params.get('bucket') ?? 'day';
  $('report-zone').value =
    params.get('timeZone') ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  $('report-zones').replaceChildren(
    ...Intl.supportedValuesOf('timeZone').map((zone) =>
      Object.assign(document.createElement('option'), { value: zone }),
    ),
  );
  $('reports').hidden = false;
  $('report-range').addEventListener('submit', (event) => {
    event.preventDefault();
    void show();
  });
  $('csv-queues').addEventListener('click', () => void download('queues'));
  $('csv-experts').addEventListener('click', () => void download('experts'));
  await show();
}

void start();
