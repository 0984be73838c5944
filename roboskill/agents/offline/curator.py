"""The offline curator: a person's chat message -> Directive objects and a short reply.

Why patterns: steering messages are short and formulaic ("focus on articulated objects", "nothing
with the mug", "make the last task harder"). Each clause is matched against avoid / focus /
difficulty / drop patterns; anything else is kept as an "other" directive with its text, so nothing
the person said is silently lost.
"""

from __future__ import annotations

import re
from typing import Any

from roboskill.agents.offline.vocab import ALL_TYPES

_ARTICLES = r"(?:the|a|an|any|all|some|more|of|with|objects? with)\s+"
_AVOID = [r"\bnothing (?:with|involving|using|about)\s+(.+)", r"\bno more\s+(.+)", r"\bno\s+(.+)",
          r"\bavoid(?:ing)?\s+(.+)", r"\b(?:don'?t|do not|never|stop)\s+(?:use|using|touch|propose|do|pick)\w*\s+(.+)",
          r"\bwithout\s+(.+)", r"\bskip\s+(.+)", r"\bexclude\s+(.+)", r"\bleave (?:out\s+)?(.+?)(?: alone| out)"]
_FOCUS = [r"\bfocus(?:ing)? (?:on|more on)\s+(.+)", r"\bconcentrate on\s+(.+)", r"\bprefer\s+(.+)",
          r"\bmore\s+(.+?)(?: tasks| please|$)", r"\bonly\s+(.+)", r"\bi want\s+(.+)", r"\blet'?s (?:do|try|learn)\s+(.+)",
          r"\bwork on\s+(.+)", r"\bteach (?:it|the robot)\s+(.+)"]
_HARDER = r"\b(harder|more difficult|tougher|more challenging|challenge|complex|longer)\b"
_EASIER = r"\b(easier|simpler|less difficult|too hard|basic)\b"
_DROP = r"\b(drop|remove|forget|cancel|undo|lift|clear|allow|stop avoiding|never ?mind|ignore)\b.*\b(directive|rule|again|ban|restriction|focus|that)\b"
_QUESTION = r"^(what|why|how|which|who|when|where|can|could|do|does|is|are|will|would|should)\b"


def _subject(raw: str) -> str:
    """The object/topic a clause is about, normalised to a type key where one matches."""
    raw = re.sub(r"[^a-z0-9 _-]", " ", raw.lower()).strip()
    raw = re.sub(rf"^(?:{_ARTICLES})+", "", raw).strip()
    raw = re.sub(r"\b(tasks?|please|anymore|any more|for now|again|objects? only)\b", "", raw).strip()
    for t in sorted(ALL_TYPES, key=lambda t: -max(len(n) for n in t.nouns)):
        for noun in (*t.nouns, t.key.replace("_", " ")):
            if re.search(rf"\b{re.escape(noun)}s?\b", raw):
                return t.family if t.source != "articulated" else t.key
    words = raw.split()
    return " ".join(words[:3]) if words else raw


def _clauses(message: str) -> list[str]:
    return [c.strip() for c in re.split(r"[.;!\n]|,\s*(?:and|but)?\s*|\s+\band\b\s+|\s+\bbut\b\s+", message) if c and c.strip()]


def curate(context: dict[str, Any]) -> dict[str, Any]:
    """CuratorOutput dict for the curator context (keys per prompts/curator.md)."""
    message = str(context.get("message") or "").strip()
    existing = {(str(d.get("kind")), str(d.get("subject") or "").lower())
                for d in context.get("directives") or [] if isinstance(d, dict)}
    last = context.get("last_proposal") if isinstance(context.get("last_proposal"), dict) else None
    if not message:
        return {"directives": [], "reply": "I did not get a message; tell me what to focus on or avoid."}
    low = message.lower()
    if re.search(_QUESTION, low) and low.rstrip().endswith("?"):
        current = ", ".join(f"{d.get('kind')}: {d.get('subject') or d.get('text')}" for d in context.get("directives") or []
                            if isinstance(d, dict)) or "none"
        return {"directives": [], "reply": f"Directives in force: {current}. "
                                           "I am the offline procedural curator, so I only turn steering requests into directives."}
    if re.search(_DROP, low):
        return {"directives": [], "reply": "Understood; I am not adding that directive and the earlier one can be removed."}
    out: list[dict[str, Any]] = []
    replies: list[str] = []
    for clause in _clauses(message):
        c = clause.lower()
        d: dict[str, Any] | None = None
        if re.search(_HARDER, c) or re.search(_EASIER, c):
            harder = bool(re.search(_HARDER, c))
            text = clause
            if last and re.search(r"\b(last|previous|that|this) (task|one|proposal)\b", c):
                text = f"{clause} (last task: {last.get('name', '')})"
            d = {"kind": "difficulty", "text": text, "subject": "harder" if harder else "easier"}
            replies.append(f"tasks will be {'harder' if harder else 'easier'}")
        else:
            for pat in _AVOID:
                if m := re.search(pat, c):
                    subj = _subject(m.group(1))
                    if subj:
                        d = {"kind": "avoid", "text": clause, "subject": subj}
                        replies.append(f"no more tasks with {subj}")
                    break
            if d is None:
                for pat in _FOCUS:
                    if m := re.search(pat, c):
                        subj = _subject(m.group(1))
                        if subj:
                            d = {"kind": "focus", "text": clause, "subject": subj}
                            replies.append(f"focusing on {subj}")
                        break
        if d is None and len(c.split()) >= 2:
            d = {"kind": "other", "text": clause, "subject": None}
            replies.append(f"noted: \"{clause}\"")
        if d is not None and (d["kind"], str(d.get("subject") or "").lower()) not in existing:
            existing.add((d["kind"], str(d.get("subject") or "").lower()))
            out.append(d)
    reply = ("Understood: " + "; ".join(replies) + ".") if replies else "Nothing new to change."
    return {"directives": out, "reply": reply}
