"""The report's Jinja2 template: one self-contained page (inline CSS, base64 PNGs, no scripts)."""

TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>deskpilot eval {{ r.run_id }}</title>
<style>
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#222;max-width:1200px}
table{border-collapse:collapse;margin:.5rem 0 1.2rem}td,th{border:1px solid #ccc;padding:.25rem .5rem;
font-size:.85rem;text-align:left;vertical-align:top}th{background:#f2f4f7}.pass{color:#17702f;font-weight:600}
.fail{color:#b3261e;font-weight:600}.muted{color:#666;font-size:.85rem}.warn{background:#fff4ce;padding:.5rem}
pre{white-space:pre-wrap;margin:0;font-size:.8rem;max-height:12rem;overflow:auto}img{max-width:100%}
</style></head><body>
<h1>Eval run {{ r.run_id }}</h1>
<p class="muted">{{ r.created_at }} · dataset {{ r.dataset.path }} (hash {{ r.dataset.hash }}) · n = {{ r.n }}
 · model {{ r.model }} · config {{ r.config_hash }} · prompts {{ prompts }} · wall {{ "%.1f"|format(r.wall_time_s) }} s</p>
{% if r.judge.model %}<p class="warn" id="judge-note">LLM judge: {{ r.judge.model }}.
{% if not r.judge.meaningful %}{{ r.judge.note }}{% endif %}</p>{% endif %}

<h2 id="gate">Gate: {% if gate is none %}<span class="muted">no gate file given</span>
{% elif gate.passed %}<span class="pass">PASSED</span>{% else %}<span class="fail">FAILED</span>{% endif %}</h2>
{% if gate is not none %}<table><tr><th>verdict</th><th>scope</th><th>metric</th><th>check</th><th>reason</th></tr>
{% for v in gate.verdicts %}<tr><td class="{{ 'pass' if v.passed else 'fail' }}">{{ 'PASS' if v.passed else 'FAIL' }}</td>
<td>{{ v.scope }}</td><td>{{ v.metric }}</td><td>{{ v.check }}</td><td>{{ v.reason }}</td></tr>{% endfor %}</table>{% endif %}

<h2>Summary</h2>
<table id="summary"><tr><th>metric</th><th>value</th>{% if baseline %}<th>baseline</th><th>diff</th>{% endif %}</tr>
{% for name, value in metrics %}<tr><td>{{ name }}</td><td>{{ fmt(value) }}</td>
{% if baseline %}<td>{{ fmt(baseline.get(name)) }}</td><td>{{ diff(value, baseline.get(name)) }}</td>{% endif %}</tr>
{% endfor %}</table>

<h2 id="correctness">Correctness (audit labels and proxies)</h2>
<p class="muted">Verdicts: {{ (r.metrics.get('n_labelled') or 0)|int }} from audit labels that match the current answer,
{{ (r.metrics.get('n_proxy') or 0)|int }} from automatic proxies, {{ (r.metrics.get('n_stale') or 0)|int }} stale labels (answer
changed: re-label). Audit files: {{ r.audit.files|join(', ') or 'none' }} ({{ r.audit.n_labels }} labels).
complete = correct and complete; correct = nothing false (correct + incomplete); wrong = any false claim.</p>
<table id="correctness-rates"><tr><th>verdicts from</th><th>complete_rate</th><th>correct_rate</th><th>wrong_rate</th></tr>
{% for title, prefix in correctness_rows %}<tr><td>{{ title }}</td><td>{{ fmt(r.metrics.get(prefix ~ 'complete_rate')) }}</td>
<td>{{ fmt(r.metrics.get(prefix ~ 'correct_rate')) }}</td><td>{{ fmt(r.metrics.get(prefix ~ 'wrong_rate')) }}</td></tr>
{% endfor %}</table>
<h3>Proxy agreement with the labels</h3>
{% if agreement is none or agreement.n == 0 %}<p class="warn" id="agreement-none">No labelled answers match this run:
proxy agreement is unmeasured, so proxy-based gate rules with <code>requires_agreement</code> are not enforced.</p>
{% else %}<p class="muted">On {{ agreement.n }} labelled answers; accuracy {{ fmt(agreement.accuracy) }}.</p>
<table id="agreement-confusion"><tr><th>label ↓ / proxy →</th>{% for l in agreement.labels %}<th>{{ l }}</th>{% endfor %}</tr>
{% for row in agreement.confusion %}<tr><th>{{ agreement.labels[loop.index0] }}</th>{% for v in row %}<td>{{ v }}</td>
{% endfor %}</tr>{% endfor %}</table>
<table id="agreement-detectors"><tr><th>proxy</th><th>detects</th><th>n</th><th>tp</th><th>fp</th><th>fn</th>
<th>precision</th><th>recall</th></tr>{% for d in agreement.detectors %}<tr><td>{{ d.proxy }}</td><td>{{ d.target }}</td>
<td>{{ d.n }}</td><td>{{ d.tp }}</td><td>{{ d.fp }}</td><td>{{ d.fn }}</td><td>{{ fmt(d.precision) }}</td>
<td>{{ fmt(d.recall) }}</td></tr>{% endfor %}</table>
{% if agreement_heldout is not none and agreement_heldout.n %}<p class="muted" id="agreement-heldout">Held-out labels only
(n = {{ agreement_heldout.n }}, accuracy {{ fmt(agreement_heldout.accuracy) }}):
{% for d in agreement_heldout.detectors if d.proxy == 'verdict' %}{{ d.target }} precision {{ fmt(d.precision) }} /
recall {{ fmt(d.recall) }}{{ '; ' if not loop.last }}{% endfor %}</p>{% endif %}{% endif %}
{% if flagged %}<h3>Wrong and incomplete answers</h3>
<table id="flagged"><tr><th>id</th><th>verdict (source)</th><th>question</th><th>answer</th><th>reference</th><th>why</th></tr>
{% for c in flagged %}<tr><td>{{ c.id }}</td><td class="{{ 'fail' if c.verdict == 'wrong' else '' }}">{{ c.verdict }}
({{ c.verdict_source }})</td><td>{{ c.question }}</td><td><pre>{{ c.answer }}</pre></td><td><pre>{{ c.reference_answer }}</pre></td>
<td>{% if c.verdict_source == 'label' %}{{ c.label_reason }}{% else %}{{ c.proxy_reasons|join('; ') }}{% endif %}</td></tr>
{% endfor %}</table>{% endif %}

<h2 id="decisions">Decisions</h2>
{% if r.decisions is none or not r.decisions.n.values()|sum %}<p class="muted">No case of this dataset states a decision
(expected_route, expected_tool, requires_approval, expected_escalation, ticket queue/priority/needs_human).</p>
{% else %}{% set d = r.decisions %}<p class="muted">Only cases that state the expectation count (n). Held-out: sha256(id) % 10 &gt;= 6;
tune on the other half. Handoff: the agent escalated or abstained (chat; a ticket hands off through needs_human).</p>
<table id="decision-metrics"><tr><th>metric</th><th>all</th><th>n</th><th>tune</th><th>n</th><th>held-out</th><th>n</th></tr>
{% for name, v in d.metrics.items() %}<tr><td>{{ name }}</td><td>{{ fmt(v) }}</td><td>{{ d.n.get(name, 0) }}</td>
<td>{{ fmt(d.splits.get('tune', {}).get(name)) }}</td><td>{{ d.split_n.get('tune', {}).get(name, 0) }}</td>
<td>{{ fmt(d.splits.get('heldout', {}).get(name)) }}</td><td>{{ d.split_n.get('heldout', {}).get(name, 0) }}</td></tr>
{% endfor %}</table>
<h3>Route confusion</h3>
<table id="route-confusion"><tr><th>expected ↓ / observed →</th>{% for l in d.route_confusion.labels %}<th>{{ l }}</th>{% endfor %}</tr>
{% for row in d.route_confusion.matrix %}<tr><th>{{ d.route_confusion.labels[loop.index0] }}</th>{% for v in row %}<td>{{ v }}</td>
{% endfor %}</tr>{% endfor %}</table>
{% if d.wrong %}<h3>Wrong decisions</h3><table id="decisions-wrong"><tr><th>metric</th><th>cases</th></tr>
{% for name, ids in d.wrong.items() %}<tr><td>{{ name }}</td><td>{{ ids|join(', ') }}</td></tr>{% endfor %}</table>{% endif %}
<h3>Decision cases</h3><table id="decision-cases"><tr><th>id</th><th>expected</th><th>observed</th><th>answer / draft</th></tr>
{% for c in r.per_case if c.expected_decisions is not none and c.observed is not none %}{% set e = c.expected_decisions %}{% set o = c.observed %}
<tr><td>{{ c.id }}</td><td>{% for k, v in e.model_dump(exclude_none=True).items() if k not in ('subject', 'body') %}{{ k }}={{ v }}<br>{% endfor %}</td>
<td>route={{ o.route }}{% if o.tool_calls %}<br>tools={% for t in o.tool_calls %}{{ t.name }}({{ t.args }}) {% endfor %}{% endif %}
{% if o.approval_requested %}<br>approval requested{% endif %}{% if o.escalated %}<br>handed off{% endif %}
{% if o.ticket %}<br>queue={{ o.ticket_queue }} priority={{ o.ticket_priority }} needs_human={{ o.ticket_needs_human }}
{% if o.ticket_reasons %} ({{ o.ticket_reasons|join(', ') }}){% endif %}{% endif %}</td><td><pre>{{ c.answer[:600] }}</pre></td></tr>
{% endfor %}</table>{% endif %}

<h2>Plots</h2>
<h3>Score distributions</h3><img id="plot-dist" alt="score distributions" src="data:image/png;base64,{{ plots.dist }}">
<h3>Confusion matrix</h3><img id="plot-confusion" alt="confusion matrix" src="data:image/png;base64,{{ plots.confusion }}">
<h3>Trend across runs</h3><img id="plot-trend" alt="trend across runs" src="data:image/png;base64,{{ plots.trend }}">

<h2>Per-category slices</h2>
<table id="slices"><tr><th>category</th>{% for c in slice_cols %}<th>{{ c }}</th>{% endfor %}</tr>
{% for cat, m in r.slices.items() %}<tr><td>{{ cat }}</td>{% for c in slice_cols %}<td>{{ fmt(m.get(c)) }}</td>{% endfor %}</tr>
{% endfor %}</table>

{% if failed %}<h2 class="fail">Failed cases ({{ failed|length }})</h2><table>
<tr><th>id</th><th>question</th><th>error</th></tr>{% for c in failed %}<tr><td>{{ c.id }}</td><td>{{ c.question }}</td>
<td><pre>{{ c.error }}</pre></td></tr>{% endfor %}</table>{% endif %}

<h2>Worst cases (by semantic similarity)</h2>
<table id="worst"><tr><th>id / category</th><th>question</th><th>answer</th><th>reference</th><th>retrieved contexts</th><th>scores</th></tr>
{% for c in worst %}<tr><td>{{ c.id }}<br><span class="muted">{{ c.category }} · {{ c.answer_mode }}</span></td>
<td>{{ c.question }}</td><td><pre>{{ c.answer }}</pre></td><td><pre>{{ c.reference_answer }}</pre></td>
<td>{% for ctx in c.retrieved[:3] %}<pre><b>{{ ctx.source }}</b>: {{ ctx.text[:400] }}</pre>{% endfor %}</td>
<td>{% for k, v in c.scores.items() %}{{ k }}={{ fmt(v) }}<br>{% endfor %}</td></tr>{% endfor %}</table>
</body></html>
"""
