"""Server-rendered HTML pages of the dashboard (plain f-strings; every dynamic value goes through `e()`).

No template engine and no CDN: the dashboard must work offline with only the core dependencies, and
escaping at one choke point (`e`) keeps run content (LLM output!) from injecting markup.
"""

from __future__ import annotations

import difflib
import json
from html import escape
from typing import Any
from urllib.parse import quote

from roboskill.tracing.reader import SpanNode
from roboskill.tracing.runs import RunInfo
from roboskill.ui.data import Candidate, GoalInfo, LabelledVideo, TaskInfo, episode_rows, reflection_rows

TRUNCATE = 4000


def e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def u(value: str) -> str:
    return quote(value, safe="")


def fmt_num(value: Any, digits: int = 3) -> str:
    if isinstance(value, bool) or value is None:
        return e(value if value is not None else "–")
    if isinstance(value, (int, float)):
        return f"{value:.{digits}g}" if isinstance(value, float) else str(value)
    return e(value)


def pct(value: Any) -> str:
    return f"{value * 100:.0f}%" if isinstance(value, (int, float)) else "–"


def badge(text: Any) -> str:
    return f'<span class="badge {e(text)}">{e(text)}</span>'


def ci_text(ci: Any) -> str:
    """'95 % interval 64–95 %' from a (low, high) pair; '' when there is none (older reports)."""
    if isinstance(ci, (list, tuple)) and len(ci) == 2 and all(isinstance(v, (int, float)) for v in ci):
        return f"95 % interval {ci[0] * 100:.0f}–{ci[1] * 100:.0f} %"
    return ""


def layout(title: str, body: str, crumbs: list[tuple[str, str | None]] | None = None) -> str:
    trail = ""
    if crumbs:
        trail = '<div class="crumbs">' + " / ".join(
            f'<a href="{e(href)}">{e(label)}</a>' if href else e(label) for label, href in crumbs) + "</div>"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)} · roboskill</title><link rel="stylesheet" href="/static/style.css"></head>
<body><header class="top"><a class="brand" href="/">roboskill</a><a href="/" id="nav-runs">Runs</a>
<a href="/skills" id="nav-skills">Skills</a><a href="/chat" id="nav-chat">Chat</a></header>
<main>{trail}<h1>{e(title)}</h1>{body}</main><script src="/static/app.js"></script></body></html>"""


def _pre(text: Any, limit: int = TRUNCATE) -> str:
    s = text if isinstance(text, str) else json.dumps(text, indent=2, ensure_ascii=False, default=str)
    if len(s) <= limit:
        return f"<pre>{e(s)}</pre>"
    return (f"<pre>{e(s[:limit])}</pre><details><summary>show all ({len(s)} chars)</summary>"
            f"<pre>{e(s)}</pre></details>")


# --------------------------------------------------------------------------- runs
def runs_page(runs: list[RunInfo], runs_root: str) -> str:
    if not runs:
        body = f'<div class="card">No runs under <code>{e(runs_root)}</code> yet. Start one with <code>roboskill run</code>.</div>'
        return layout("Runs", body)
    rows = "".join(
        f'<tr><td><a class="run-link" href="/runs/{u(r.run_id)}">{e(r.run_id)}</a></td><td>{badge(r.status)}</td>'
        f'<td>{e(r.mode or "")}</td><td>{e((r.started_at or "")[:19])}</td><td class="num">{len(r.skills)}</td>'
        f'<td class="num">{len(r.failed)}</td><td class="num">{e(r.tokens.get("total", 0))}</td>'
        f'<td class="num">{r.cost_usd:.4f}</td></tr>' for r in runs)
    body = (f'<p class="muted">{len(runs)} run(s) in <code>{e(runs_root)}</code></p><table class="data" id="runs">'
            "<tr><th>run</th><th>status</th><th>mode</th><th>started</th><th>skills</th><th>failed</th>"
            f"<th>tokens</th><th>cost $</th></tr>{rows}</table>")
    return layout("Runs", body)


def _timeline(root: SpanNode | None, run_id: str) -> str:
    if root is None or not root.children:
        return '<p class="muted">No trace spans recorded.</p>'
    leaves = [n for n in root.walk() if not n.virtual]
    t0 = min(n.start_ts for n in leaves)
    t1 = max((n.end_ts or n.start_ts) for n in leaves)
    total = max(t1 - t0, 1e-6)
    rows = [f'<p class="muted">{total:.1f} s from first to last span; click a bar for its trace.</p>']
    for task in root.children:
        rows.append(f'<div class="task">{e(task.name)} <a href="/runs/{u(run_id)}/trace?task={u(task.name)}">trace</a></div>')
        for it in task.children:
            for node in it.children:
                left = (node.start_ts - t0) / total * 100
                width = max(((node.end_ts or node.start_ts) - node.start_ts) / total * 100, 0.3)
                cls = "error" if node.status == "error" else node.kind
                dur = f"{node.duration_s:.2f}s" if node.duration_s is not None else "running"
                rows.append(
                    f'<div class="row"><div class="label" title="{e(it.name)}">{e(it.name)} · {e(node.kind)} {e(node.name)}</div>'
                    f'<div class="track"><a class="bar {e(cls)}" style="left:{left:.2f}%;width:{width:.2f}%" '
                    f'title="{e(node.name)} {e(dur)}" href="/runs/{u(run_id)}/trace?span={u(node.span_id)}"></a></div></div>')
    return '<div class="timeline card">' + "".join(rows) + "</div>"


def chat_panel(available: bool, run_id: str | None) -> str:
    if not available:
        return ('<div class="card chat" id="chat"><h2>Chat</h2><div class="notice" id="chat-unavailable">Chat not available: '
                "this dashboard was started without a chat backend (the agents' chat session). Use "
                "<code>roboskill chat</code> in a terminal.</div></div>")
    rid = f' data-run-id="{e(run_id)}"' if run_id else ""
    where = (f"Messages go to chat run <code>{e(run_id)}</code>. " if run_id
             else "Your first message starts a new chat run. ")
    return (f'<div class="card chat" id="chat"><h2>Chat</h2><p class="muted">{where}Steer the curriculum ("focus on drawers"), '
            f"then <code>approve</code>, <code>edit &lt;text&gt;</code> or <code>reject &lt;reason&gt;</code> proposals; "
            f"<code>/status</code>, <code>/skills</code>, <code>/directives</code>.</p><div id=\"chat-log\"></div>"
            f'<form id="chat-form"{rid}><input type="text" id="chat-text" placeholder="message" autocomplete="off">'
            f'<button type="submit">Send</button></form></div>')


def run_page(run: RunInfo, tasks: list[str], tree: SpanNode | None, chat_available: bool) -> str:
    totals = tree.totals() if tree is not None else {}
    cur = run.current or {}
    summary = (f'<div class="card" id="run-summary">{badge(run.status)} mode <b>{e(run.mode or "?")}</b> · started '
               f'{e(run.started_at or "?")} · updated {e(run.updated_at or "?")}<br>current: {e(cur.get("task") or "–")} / '
               f'{e(cur.get("node") or "–")} · tokens {e(run.tokens.get("total", totals.get("total_tokens", 0)))} · '
               f'cost ${run.cost_usd:.4f} · LLM calls {e(totals.get("llm_calls", 0))} · '
               f'<a href="/runs/{u(run.run_id)}/trace">full trace</a></div>')
    if run.run_json_error:
        summary += f'<div class="notice">run.json could not be read: {e(run.run_json_error)}</div>'
    skills = {s.get("task_id"): s for s in run.skills}
    failed = {f.get("name"): f for f in run.failed}
    rows = ""
    for t in tasks:
        s = skills.get(t)
        ci = ci_text(s.get("ci95")) if s else ""
        status = f"learned {e(s.get('name'))} ({pct(s.get('success_rate'))}{', ' + ci if ci else ''})" if s else ""
        rows += f'<tr><td><a class="task-link" href="/runs/{u(run.run_id)}/tasks/{u(t)}">{e(t)}</a></td><td>{status}</td></tr>'
    tasks_html = (f'<table class="data" id="tasks"><tr><th>task</th><th>result</th></tr>{rows}</table>' if tasks
                  else '<p class="muted">No task directories yet.</p>')
    if failed:
        tasks_html += "<h3>Failed tasks</h3><ul>" + "".join(
            f"<li>{e(n)}: {e(f.get('reason'))}</li>" for n, f in failed.items()) + "</ul>"
    body = (summary + "<h2>Tasks</h2>" + tasks_html + "<h2>Timeline</h2>" + _timeline(tree, run.run_id)
            + chat_panel(chat_available, run.run_id if run.mode == "chat" else None))
    return layout(f"Run {run.run_id}", body, [("runs", "/"), (run.run_id, None)])


# --------------------------------------------------------------------------- tasks
def _metrics_summary(c: Candidate) -> str:
    m = c.metrics or {}
    if not m:
        return '<span class="muted">no metrics</span>'
    err = f' <span class="badge error">{e(m.get("error"))}</span>' if m.get("error") else ""
    ci = ci_text(c.success_ci95)
    judged = c.judged_by
    return (f'success <b class="rate">{pct(m.get("success_rate"))}</b>'
            + (f' <span class="ci">({e(ci)})</span>' if ci else "")
            + f' of {fmt_num(m.get("n_episodes"))} episodes'
            + (f' · judged by <b class="judged-by">{e(judged)}</b>' if judged else "")
            + f' · return {fmt_num(m.get("mean_return"))} · train {fmt_num(m.get("train_time_s"))} s{err}')


# --------------------------------------------------------------------------- goal and verdicts
def goal_card(goal: GoalInfo | None, problems: list[str] | None = None) -> str:
    """The task's fixed goal: summary, conditions in words, objects; a note when the run has none."""
    notes = "".join(f'<div class="notice">{e(p)}</div>' for p in problems or [])
    if goal is None:
        return (f'<div class="card goal" id="goal"><h2>Goal</h2>{notes}<p class="muted" id="no-goal">No goal recorded for '
                "this task (a run from before fixed goals, or an external env judged by its own success flag): "
                "success rates below come from the plan's own success code.</p></div>")
    conds = "".join(f"<li>{e(c)}</li>" for c in goal.conditions)
    rest = {True: "all objects at rest", False: "objects may still move"}.get(goal.at_rest, "")  # type: ignore[arg-type]
    meta = " · ".join(x for x in (f"action <b>{e(goal.action)}</b>" if goal.action else "",
                                  f"objects {e(', '.join(goal.objects))}" if goal.objects else "",
                                  f"judged at the end of each episode{', ' + rest if rest else ''}") if x)
    problem = f'<div class="notice">{e(goal.problem)}</div>' if goal.problem else ""
    return (f'<div class="card goal" id="goal"><h2>Goal</h2>{notes}{problem}<p class="goal-summary"><b>{e(goal.summary)}</b></p>'
            f'<p>Every condition must hold at the end of an episode:</p><ul class="goal-conditions">{conds}</ul>'
            f'<p class="muted">{meta}. Fixed before the scene was designed; the reward writer and the critic cannot '
            f"change it.</p></div>")


def episodes_table(metrics: dict[str, Any] | None) -> str:
    """Seed, verdict, failed conditions with measured values, moving objects and primitive messages per episode."""
    rows = episode_rows(metrics)
    if not rows:
        return '<p class="muted no-episodes">No per-episode verdicts recorded (a run from before goal judging).</p>'
    body = ""
    for r in rows:
        if r["failed"]:
            failed = "<br>".join(
                f'{e(f["condition"])}: measured <b>{fmt_num(f["value"])}</b>' + (f', needed {e(f["needed"])}' if f["needed"] else "")
                for f in r["failed"])
        elif r["n_conditions"]:
            failed = f'<span class="muted">all {r["n_conditions"]} met</span>'
        else:
            failed = ""
        if r["error"]:
            failed += f'<br><span class="badge error">{e(r["error"][:300])}</span>'
        verdict = '<span class="badge ok">success</span>' if r["success"] else '<span class="badge failed">failure</span>'
        body += (f'<tr class="episode {"ok" if r["success"] else "fail"}"><td class="num">{e(r["seed"])}</td><td>{verdict}</td>'
                 f'<td>{failed}</td><td>{e(", ".join(r["moving"]))}</td><td>{"<br>".join(e(m) for m in r["messages"])}</td></tr>')
    wins = sum(1 for r in rows if r["success"])
    return (f'<table class="data episodes"><caption>{wins} of {len(rows)} evaluation episodes succeeded</caption>'
            "<tr><th>seed</th><th>verdict</th><th>failed conditions (measured value)</th><th>still moving</th>"
            f"<th>primitive messages</th></tr>{body}</table>")


def labelled_videos(videos: list[LabelledVideo], files: str, *, preload: str = "metadata") -> str:
    """The success and the failure episode, each labelled with its seed and verdict, with its keyframes."""
    out = []
    for v in videos:
        seed = f" · seed {e(v.seed)}" if v.seed is not None else ""
        failed = [c for c in (v.outcome or {}).get("conditions") or [] if isinstance(c, dict) and c.get("ok") is not True]
        why = ("<br>" + "<br>".join(f'{e(c.get("condition"))}: measured {fmt_num(c.get("value"))}, needed {e(c.get("needed"))}'
                                   for c in failed[:4])) if failed else ""
        media = (f'<video class="rollout labelled {e(v.label)}" data-label="{e(v.label)}" controls muted preload="{e(preload)}" '
                 f'src="{files}{e(v.video)}" type="video/mp4"></video>' if v.video
                 else '<p class="muted">no video recorded</p>')
        frames = ("".join(f'<img alt="{e(v.label)} keyframe" src="{files}{e(k)}">' for k in v.keyframes))
        cls = "ok" if v.label == "success" else "failed"
        out.append(f'<figure class="labelled-video {e(v.label)}"><figcaption><span class="badge {cls}">{e(v.label.upper())}</span> '
                   f'<b>{e(v.label)} episode</b>{seed}{why}</figcaption>{media}'
                   + (f'<div class="keyframes {e(v.label)}">{frames}</div>' if frames else "") + "</figure>")
    if not videos:
        return '<p class="muted no-labelled">No labelled success / failure videos recorded.</p>'
    missing = [lab for lab in ("success", "failure") if lab not in {v.label for v in videos}]
    note = "".join(f'<p class="muted">No {lab} episode among the evaluations, so no {lab} video.</p>' for lab in missing)
    return '<div class="grid videos">' + "".join(out) + "</div>" + note


def verdict_block(c: Candidate, files: str, *, preload: str = "metadata") -> str:
    """Labelled videos and the per-episode verdicts of one candidate."""
    return labelled_videos(c.labelled, files, preload=preload) + episodes_table(c.metrics)


def diff_table(a: Candidate, b: Candidate) -> str:
    """Side-by-side reward code of two versions, one difflib table per subtask."""
    out = []
    for sub in sorted(set(a.rewards) | set(b.rewards)):
        old = (a.rewards.get(sub) or "").splitlines()
        new = (b.rewards.get(sub) or "").splitlines()
        table = difflib.HtmlDiff(tabsize=4, wrapcolumn=64).make_table(
            old, new, fromdesc=e(f"{a.label}: reward_{sub}.py"), todesc=e(f"{b.label}: reward_{sub}.py"),
            context=False)
        out.append(f'<h3>{e(sub)}</h3><div class="reward-diff">{table}</div>')
    return "".join(out) or '<p class="muted">No reward code.</p>'


def task_page(run_id: str, task: TaskInfo, a: Candidate | None, b: Candidate | None) -> str:
    best = task.best()
    rows = ""
    for c in task.candidates:
        star = " ★" if best is not None and c.rel == best.rel else ""
        rows += (f'<tr><td><a class="iter-link" href="/runs/{u(run_id)}/tasks/{u(task.task_id)}/iter/{c.iteration}">'
                 f"iteration {c.iteration}</a></td><td>{c.index}{star}</td><td>{_metrics_summary(c)}</td>"
                 f'<td>{", ".join(v.label for v in c.labelled if v.video) or ("video" if c.video else "")}</td></tr>')
    body = goal_card(task.goal, task.problems)
    body += (f'<table class="data" id="iterations"><tr><th>iteration</th><th>candidate</th><th>result</th><th></th></tr>{rows}</table>')
    files = f"/runs/{u(run_id)}/files/"
    verdicts = ""
    for c in task.candidates:
        if not c.metrics and not c.labelled:
            continue
        star = " ★" if best is not None and c.rel == best.rel else ""
        is_best = best is not None and c.rel == best.rel
        verdicts += (f'<details class="card verdict" id="verdict-{c.iteration}-{c.index}"{" open" if is_best else ""}>'
                     f"<summary><b>{e(c.label)}{star}</b> — {_metrics_summary(c)}</summary>"
                     f'{verdict_block(c, files, preload="auto" if is_best else "none")}</details>')
    if verdicts:
        body += '<h2 id="verdicts">Goal verdicts per evaluation episode</h2>' + verdicts
    versions = [c for c in task.candidates if c.rewards]
    if len(versions) >= 2 and a is not None and b is not None:
        opts_a = "".join(f'<option value="{e(c.rel)}"{" selected" if c.rel == a.rel else ""}>{e(c.label)}</option>' for c in versions)
        opts_b = "".join(f'<option value="{e(c.rel)}"{" selected" if c.rel == b.rel else ""}>{e(c.label)}</option>' for c in versions)
        body += (f'<h2 id="reward-versions">Reward code: {e(a.label)} → {e(b.label)}</h2>'
                 f'<form class="search" method="get"><select name="a">{opts_a}</select><select name="b">{opts_b}</select>'
                 f'<input type="submit" value="Compare"></form>' + diff_table(a, b))
    elif versions:
        body += "<h2>Reward code</h2>" + "".join(f"<h3>{e(s)}</h3>{_pre(src)}" for s, src in versions[0].rewards.items())
    return layout(f"Task {task.task_id}", body, [("runs", "/"), (run_id, f"/runs/{u(run_id)}"), (task.task_id, None)])


def reflection_table(metrics: dict[str, Any] | None) -> str:
    rows = reflection_rows(metrics)
    if not rows:
        return '<p class="muted">No reflection statistics.</p>'
    comps = sorted({c for r in rows for c in r["components"]})
    head = "".join(f"<th>{e(c)} mean [min, max]</th>" for c in comps)
    body = ""
    for r in rows:
        cells = ""
        for c in comps:
            mean, lo, hi = r["components"].get(c, (None, None, None))
            cells += f'<td class="num">{fmt_num(mean)} [{fmt_num(lo)}, {fmt_num(hi)}]</td>'
        body += (f'<tr><td>{e(r["subtask"])}</td><td class="num">{e(r["step"])}</td><td class="num">{pct(r["success_rate"])}</td>'
                 f'<td class="num">{fmt_num(r["mean_return"])}</td>{cells}</tr>')
    return (f'<table class="data reflection"><tr><th>subtask</th><th>step</th><th>success</th><th>mean return</th>{head}</tr>'
            f"{body}</table>")


def iteration_page(run_id: str, task: TaskInfo, iteration: int, prev: Candidate | None) -> str:
    cands = [c for c in task.candidates if c.iteration == iteration]
    files = f"/runs/{u(run_id)}/files/"
    parts = []
    for c in cands:
        media = ""
        if c.video and not any(v.video for v in c.labelled):  # rollout.mp4 is a copy of a labelled one when they exist
            media += (f'<div><h3>Rollout</h3><video id="video-{c.index}" class="rollout" controls muted preload="auto" '
                      f'src="{files}{e(c.video)}" type="video/mp4"></video></div>')
        if c.curves:
            media += f'<div><h3>Training curves</h3><img class="plot curves" alt="training curves" src="{files}{e(c.curves)}"></div>'
        if c.keyframes and not c.labelled:
            media += '<div class="keyframes"><h3>Keyframes</h3>' + "".join(
                f'<img alt="keyframe" src="{files}{e(k)}">' for k in c.keyframes) + "</div>"
        reflection_text = (c.metrics or {}).get("reflection_text")
        problems = "".join(f'<div class="notice">{e(p)}</div>' for p in c.problems)
        code = "".join(f"<h3>reward_{e(s)}.py</h3>{_pre(src)}" for s, src in c.rewards.items())
        code += "".join(f"<h3>is_success ({e(s)})</h3>{_pre(src)}" for s, src in c.success_code.items()
                        if src.strip() not in c.rewards.get(s, ""))  # already shown inside the reward module
        diff = ""
        if prev is not None and prev.rewards and c.rewards:
            diff = (f'<h3>Reward diff vs {e(prev.label)}</h3>' + diff_table(prev, c))
        parts.append(
            f'<div class="card candidate" id="cand-{c.index}"><h2>Candidate {c.index}</h2><p>{_metrics_summary(c)}</p>{problems}'
            f'<h3>Goal verdicts</h3>{verdict_block(c, files, preload="auto")}'
            f'<div class="grid">{media}</div><h3>Reflection statistics</h3>{reflection_table(c.metrics)}'
            + (f"<p><b>Reflection:</b> {e(reflection_text)}</p>" if reflection_text else "")
            + f"{diff}<details{' open' if not diff else ''}><summary>Reward code</summary>{code}</details>"
            + f'<p><a href="/runs/{u(run_id)}/trace?task={u(task.task_id)}">trace of this task</a></p></div>')
    nav = " ".join(
        f'<a href="/runs/{u(run_id)}/tasks/{u(task.task_id)}/iter/{k}">{"<b>" if k == iteration else ""}iteration {k}'
        f'{"</b>" if k == iteration else ""}</a>' for k in task.iterations)
    body = f'<p class="muted">{nav}</p>' + goal_card(task.goal, task.problems) + ("".join(parts) or '<p class="muted">No candidates.</p>')
    return layout(f"{task.task_id} · iteration {iteration}", body,
                  [("runs", "/"), (run_id, f"/runs/{u(run_id)}"), (task.task_id, f"/runs/{u(run_id)}/tasks/{u(task.task_id)}"),
                   (f"iteration {iteration}", None)])


# --------------------------------------------------------------------------- traces
def _span_html(node: SpanNode, run_id: str, depth: int = 0) -> str:
    dur = f"{node.duration_s:.2f}s" if node.duration_s is not None else ("running" if node.status == "running" else "")
    t = node.totals()
    tokens = f" · {t['llm_calls']} LLM calls, {t['total_tokens']} tok" if t["total_tokens"] and node.kind != "llm" else ""
    a = node.attributes
    extra = ""
    if node.kind == "llm":
        extra = f" · {e(a.get('role') or '')} in {e(a.get('input_tokens', 0))} / out {e(a.get('output_tokens', 0))} tok"
    if node.kind == "decision" and a.get("action"):
        extra = f" → {badge(a.get('action'))}"
    status = f' {badge("error")}' if node.status == "error" else (f' {badge("running")}' if node.status == "running" else "")
    link = "" if node.virtual else f' <a class="muted" href="/runs/{u(run_id)}/trace?span={u(node.span_id)}">#</a>'
    kind_label = "" if (node.virtual and node.kind == "iteration") else e(node.kind)
    summary = (f'<span class="kind {e(node.kind)}">{kind_label}</span> {e(node.name)} '
               f'<span class="muted">{e(dur)}{tokens}</span>{extra}{status}{link}')
    details = ""
    if node.error:
        details += f'<div class="attr"><b>error</b>{_pre(node.error)}</div>'
    if not node.virtual:
        attrs = dict(a)
        if node.kind == "llm":
            for m in attrs.pop("messages", None) or []:
                if isinstance(m, dict):
                    details += f'<div class="attr"><b>{e(m.get("role"))}</b>{_pre(m.get("content", ""))}</div>'
            if "response" in attrs:
                details += f'<div class="attr"><b>response</b>{_pre(attrs.pop("response"))}</div>'
        for key, value in attrs.items():
            if key in ("run_id",) or value is None:
                continue
            if isinstance(value, (dict, list)) or (isinstance(value, str) and len(value) > 80):
                details += f'<div class="attr"><b>{e(key)}</b>{_pre(value)}</div>'
            else:
                details += f'<div class="attr"><b>{e(key)}</b>: {e(value)}</div>'
    children = "".join(_span_html(c, run_id, depth + 1) for c in node.children)
    opened = " open" if depth < 3 and node.kind in ("run", "task", "iteration") else ""
    return f'<details class="span {e(node.kind)}"{opened}><summary>{summary}</summary>{details}{children}</details>'


def trace_page(run_id: str, root: SpanNode, title: str) -> str:
    t = root.totals()
    body = (f'<p class="muted">{t["llm_calls"]} LLM calls · {t["total_tokens"]} tokens · ${t["cost_usd"]:.4f} · '
            f'{t["errors"]} errors · <a href="/api/runs/{u(run_id)}/trace">JSON</a></p><div id="trace-tree" class="card">'
            + _span_html(root, run_id) + "</div>")
    return layout(title, body, [("runs", "/"), (run_id, f"/runs/{u(run_id)}"), ("trace", None)])


# --------------------------------------------------------------------------- skills
def verified_text(v: dict[str, Any] | None) -> str:
    """'85% of 20 (95 % interval 64–95 %) · FLAGGED below 80%' from a record's `verified`; '' when never verified."""
    if not isinstance(v, dict) or not isinstance(v.get("rate"), (int, float)):
        return ""
    ci = ci_text(v.get("ci95"))
    flag = (f" · FLAGGED (below {pct(v.get('threshold'))})" if v.get("flagged")
            else (f" · meets {pct(v.get('threshold'))}" if isinstance(v.get("threshold"), (int, float)) else ""))
    return f"{pct(v['rate'])} of {v.get('n', '?')}" + (f" ({ci})" if ci else "") + flag


def _verified_cell(v: dict[str, Any] | None) -> str:
    text = verified_text(v)
    if not text:
        return '<span class="muted">not verified</span>'
    return f'<span class="verified{" flagged" if v and v.get("flagged") else ""}">{e(text)}</span>'


def skills_page(query: str, items: list[dict[str, Any]], message: str | None) -> str:
    form = (f'<form class="search" method="get" action="/skills"><input type="text" name="q" id="skill-query" '
            f'value="{e(query)}" placeholder="search skills by meaning, e.g. open a drawer"><input type="submit" value="Search"></form>')
    if message:
        return layout("Skill library", form + f'<div class="notice" id="skills-message">{e(message)}</div>')
    if not items:
        return layout("Skill library", form + '<p class="muted" id="skills-empty">No skills yet.</p>')
    rows = ""
    for s in items:
        sim = f'{s["similarity"]:.2f}' if isinstance(s.get("similarity"), (int, float)) else ""
        run_link = (f'<a href="/runs/{u(s["run_id"])}/tasks/{u(s["task_id"])}">{e(s["run_id"])}/{e(s["task_id"])}</a>'
                    if s.get("run_id") and s.get("task_id") else "")
        video = f'<a href="{e(s["video_url"])}">video</a>' if s.get("video_url") else ""
        goal = s.get("goal") or {}
        ci = ci_text(s.get("success_ci95"))
        rows += (f'<tr class="skill"><td><a class="skill-link" href="/skills/{u(str(s.get("name") or ""))}"><b>{e(s.get("name"))}</b></a></td>'
                 f'<td>{e(s.get("description"))}</td><td class="goal">{e(goal.get("summary") or "")}</td>'
                 f'<td class="num">{pct(s.get("success_rate"))}' + (f'<br><span class="muted">{e(ci)}</span>' if ci else "")
                 + f'</td><td>{_verified_cell(s.get("verified"))}</td><td>{e(", ".join(s.get("learners") or []))}</td>'
                 f'<td class="num">{sim}</td><td>{run_link} {video}</td></tr>')
    table = (f'<table class="data" id="skills"><tr><th>name</th><th>description</th><th>goal</th><th>success</th><th>verified</th>'
             f"<th>learners</th><th>similarity</th><th>source</th></tr>{rows}</table>")
    return layout("Skill library", form + table)


def uses_tree(nodes: list[dict[str, Any]]) -> str:
    """The library skills a skill reuses, as nested lists: step -> skill (bindings), and what that one reuses."""
    items = []
    for n in nodes:
        binds = ", ".join(f"{a} → {b}" for a, b in (n.get("bind") or {}).items())
        items.append(f'<li><span class="muted">{e(n.get("step"))}:</span> <a href="/skills/{u(str(n.get("name")))}">'
                     f'{e(n.get("name"))}</a>' + (f' <span class="muted">({e(binds)})</span>' if binds else "")
                     + (uses_tree(n["uses"]) if n.get("uses") else "") + "</li>")
    return f'<ul class="uses">{"".join(items)}</ul>'


def skill_page(s: dict[str, Any]) -> str:
    """One skill: its goal in words, the evaluation rate with its interval, and the re-verification result."""
    goal = s.get("goal")
    rows = [("description", e(s.get("description")))]
    if s.get("instruction") and s.get("instruction") != s.get("description"):
        rows.append(("instruction", e(s.get("instruction"))))
    ci = ci_text(s.get("success_ci95"))
    rows.append(("success when learned", f'<b>{pct(s.get("success_rate"))}</b>'
                 + (f" of {e(s.get('n_episodes'))} episodes" if s.get("n_episodes") else "") + (f" ({e(ci)})" if ci else "")
                 + (f" · judged by <b>{e(s.get('judged_by'))}</b>" if s.get("judged_by") else "")))
    v = s.get("verified")
    rows.append(("verified", (f'<span id="verified" class="verified{" flagged" if v and v.get("flagged") else ""}">'
                              f'{e(verified_text(v))}</span>' + (f' <span class="muted">at {e(v.get("at"))}</span>' if v.get("at") else ""))
                 if verified_text(v) else
                 f'<span id="verified" class="muted">not verified yet: <code>roboskill skills verify {e(s.get("name"))}</code> '
                 "replays it from fresh varied starts</span>"))
    rows.append(("learners", e(", ".join(s.get("learners") or [])) or "–"))
    if s.get("uses"):
        rows.append(("reuses", f'<div id="uses">{uses_tree(s["uses"])}</div>'))
    if s.get("run_id") and s.get("task_id"):
        rows.append(("learned in", f'<a href="/runs/{u(s["run_id"])}/tasks/{u(s["task_id"])}">{e(s["run_id"])}/{e(s["task_id"])}</a>'))
    info = "".join(f"<tr><th>{e(k)}</th><td>{v}</td></tr>" for k, v in rows)
    videos = "".join(
        f'<figure class="labelled-video {e(label)}"><figcaption><b>{e(label.upper())} episode</b></figcaption>'
        f'<video class="rollout labelled {e(label)}" controls muted preload="metadata" src="{e(url)}" type="video/mp4"></video></figure>'
        for label, url in (s.get("videos") or {}).items())
    if not videos and s.get("video_url"):
        videos = f'<figure><video class="rollout" controls muted preload="metadata" src="{e(s["video_url"])}"></video></figure>'
    goal_html = goal_card(GoalInfo.model_validate(goal) if isinstance(goal, dict) else None)
    body = (f'<table class="data" id="skill">{info}</table>{goal_html}'
            + (f'<h2>Videos</h2><div class="grid videos">{videos}</div>' if videos else ""))
    return layout(f"Skill {s.get('name')}", body, [("skills", "/skills"), (str(s.get("name")), None)])


def chat_page(available: bool) -> str:
    return layout("Chat", chat_panel(available, None))


def error_page(status: int, message: str) -> str:
    return layout(f"Error {status}", f'<div class="notice" id="error">{e(message)}</div><p><a href="/">back to runs</a></p>')
