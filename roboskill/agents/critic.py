"""Critic: reads every candidate's evaluation and decides accept / refine / decompose / give up.

With `llm.vision` on (the configured model accepts images) the critic's user message also carries a few
keyframes of the best candidate's labelled evaluation videos: up to 3 of its failed episode and 1 of its
successful one, each a PNG/JPEG data URL of at most MAX_IMAGE_BYTES (downscaled when needed). They are
advice for diagnosing a reward; the goal's per-episode verdicts stay the judge, and the message says so.
The images go to the model only: the trace records the call's text, which says how many images and which
frames were attached, and an event with the counts, never the bytes. The offline model and text-only
models get no images.
"""

from __future__ import annotations

import base64
import dataclasses
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import ConfigDict

from roboskill.agents._call import call_role
from roboskill.agents.deps import Deps
from roboskill.agents.llm import ChatModels, StructuredResult
from roboskill.agents.prompts import with_images
from roboskill.agents.schemas import Critique

_REPORT_DROP = ("artefacts", "episodes")
#: Failed evaluation episodes shown to the critic in full (end state, failed conditions, primitive messages).
MAX_FAILED_EPISODES = 4
#: Keyframes attached for a vision model: from the best candidate's failure and success videos.
FAILURE_FRAMES = 3
SUCCESS_FRAMES = 1
#: Upper bound of one image's base64 payload (characters = bytes on the wire); larger frames are re-encoded smaller.
MAX_IMAGE_BYTES = 64 * 1024
IMAGES_NOTE = ("The images are keyframes of the best candidate's evaluation videos, in time order. They are advice for "
               "diagnosing the reward only: the task's goal is the judge (the per-episode goal verdicts and the success "
               "rate in the context); never accept or reject on the images alone.")


def _slim(report: dict[str, Any]) -> dict[str, Any]:
    """The report without file paths, with evaluation episodes summarised: the critic reads what the goal
    judged (per-condition failures, end states, primitive messages), kept apart from training figures."""
    out = {k: v for k, v in report.items() if k not in _REPORT_DROP}
    episodes = report.get("episodes") or []
    if episodes:
        failed = [e for e in episodes if not e.get("success")]
        out["evaluation"] = {
            "judged_by": report.get("judged_by"),
            "episodes": len(episodes),
            "successes": len(episodes) - len(failed),
            "success_ci95": report.get("success_ci95"),
            "failed_examples": [
                {"seed": e.get("seed"),
                 "failed_conditions": [c for c in e.get("conditions") or [] if not c.get("ok")],
                 "moving": e.get("moving") or [], "messages": (e.get("messages") or [])[:3],
                 "end_state": e.get("end_state") or {}, "error": e.get("error")}
                for e in failed[:MAX_FAILED_EPISODES]],
        }
    return out


def critic_context(deps: Deps, state: dict[str, Any]) -> dict[str, Any]:
    plans = state.get("candidates") or []
    reports = state.get("reports") or []
    return {
        "task": state.get("proposal"),
        "goal": state.get("goal"),
        "accept_success": deps.accept_min_success,
        "scene": state.get("scene"),
        "iteration": int(state.get("iteration") or 0),
        "max_iterations": deps.budgets.max_iterations_per_task,
        "candidates": [
            {"index": i, "plan": plan, "report": _slim(reports[i]) if i < len(reports) else {"error": "not trained"}}
            for i, plan in enumerate(plans)
        ],
    }


# --------------------------------------------------------------------------- keyframes for vision models
@dataclass(frozen=True)
class Keyframe:
    """One image for the critic: where it came from and its data URL."""

    candidate: int
    label: str          # "failure" | "success"
    seed: Any           # the filmed evaluation episode's seed (None when unknown)
    frame: str          # file name, e.g. "frame_0013.png"
    data_url: str

    def describe(self) -> dict[str, Any]:
        return {"candidate": self.candidate, "episode": self.label, "seed": self.seed, "frame": self.frame}


def vision_enabled(deps: Deps, model: Any) -> bool:
    """Images only when `llm.vision` says the configured model accepts them, and never for the offline model."""
    if not bool(getattr(getattr(deps.settings, "llm", None), "vision", False)):
        return False
    return getattr(model, "_llm_type", "") != "roboskill-offline"


def _in_run(deps: Deps, path: Path) -> bool:
    """Only files of this run (symlinks resolved) may be sent to a model."""
    try:
        return path.resolve().is_relative_to(deps.run_dir.resolve())
    except OSError:
        return False


def encode_image(path: Path, max_bytes: int = MAX_IMAGE_BYTES) -> str | None:
    """`path` as a data URL whose base64 payload is at most `max_bytes`: the file itself when small enough,
    else re-encoded as JPEG and downscaled until it fits. None when it cannot be read or made small enough."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    mime = {b"\x89PNG": "image/png", b"\xff\xd8\xff": "image/jpeg"}
    kind = next((m for sig, m in mime.items() if raw.startswith(sig)), None)
    if kind is not None and 4 * ((len(raw) + 2) // 3) <= max_bytes:
        return f"data:{kind};base64,{base64.b64encode(raw).decode('ascii')}"
    try:
        from PIL import Image
    except ImportError:
        return None
    try:
        with Image.open(io.BytesIO(raw)) as img:
            img = img.convert("RGB")
            quality = 85
            for _ in range(12):
                buf = io.BytesIO()
                img.save(buf, format="JPEG", quality=quality, optimize=True)
                data = buf.getvalue()
                if 4 * ((len(data) + 2) // 3) <= max_bytes:
                    return f"data:image/jpeg;base64,{base64.b64encode(data).decode('ascii')}"
                if quality > 60:
                    quality -= 15
                elif min(img.size) > 48:
                    img = img.resize((max(1, int(img.width * 0.75)), max(1, int(img.height * 0.75))))
                else:
                    break
    except Exception:  # noqa: BLE001 - a broken frame is skipped, the critic still answers from the text
        return None
    return None


def _pick(frames: list[Path], n: int) -> list[Path]:
    """`n` frames spread over the episode, always including the last (the end state that was judged)."""
    if n <= 0 or not frames:
        return []
    if len(frames) <= n:
        return frames
    if n == 1:
        return [frames[-1]]
    step = (len(frames) - 1) / (n - 1)
    return [frames[round(i * step)] for i in range(n)]


def _best_index(reports: list[dict[str, Any]]) -> int | None:
    rates = [(float(r.get("success_rate") or 0.0), -i) for i, r in enumerate(reports)
             if isinstance(r, dict) and not r.get("error")]
    return -max(rates)[1] if rates else None


def critic_keyframes(deps: Deps, state: dict[str, Any], *, failure: int = FAILURE_FRAMES,
                     success: int = SUCCESS_FRAMES) -> list[Keyframe]:
    """Keyframes of the best candidate's failure and success videos, read only from inside the run directory."""
    reports = [r if isinstance(r, dict) else {} for r in state.get("reports") or []]
    best = _best_index(reports)
    if best is None:
        return []
    arts = reports[best].get("artefacts") or {}
    cand_dir = deps.run_dir / "tasks" / str(state.get("task_id")) / f"iter_{int(state.get('iteration') or 0)}" / f"cand_{best}"
    out: list[Keyframe] = []
    for label, n in (("failure", failure), ("success", success)):
        folder = Path(str(arts[f"keyframes_{label}"])) if arts.get(f"keyframes_{label}") else cand_dir / f"keyframes_{label}"
        if n <= 0 or not folder.is_dir() or not _in_run(deps, folder):
            continue  # never send files from outside the run to a model
        frames = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".png", ".jpg", ".jpeg")
                        and p.is_file() and _in_run(deps, p))
        seed = None
        try:
            seed = json.loads((folder.parent / f"rollout_{label}.json").read_text(encoding="utf-8")).get("seed")
        except (OSError, ValueError, AttributeError):
            pass
        for frame in _pick(frames, n):
            url = encode_image(frame)
            if url is not None:
                out.append(Keyframe(candidate=best, label=label, seed=seed, frame=frame.name, data_url=url))
    return out


class ImageAttachingChatModel(BaseChatModel):
    """Wraps a chat model: the first user message reaches `inner` with `images` attached.

    Callbacks (the tracer) see this model's call with the text-only messages, so a trace records how many
    images were attached (the context says which), never their bytes; `inner` is called without callbacks
    and its answer, usage and errors pass through unchanged.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)
    inner: BaseChatModel
    images: list[str]
    caption: str = IMAGES_NOTE

    @property
    def _llm_type(self) -> str:
        return getattr(self.inner, "_llm_type", "chat-model")

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return dict(getattr(self.inner, "_identifying_params", {}) or {})

    def _get_invocation_params(self, stop: list[str] | None = None, **kwargs: Any) -> dict[str, Any]:
        try:
            return self.inner._get_invocation_params(stop=stop, **kwargs)
        except Exception:  # noqa: BLE001 - only names the model in the trace
            return super()._get_invocation_params(stop=stop, **kwargs)

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> Any:
        try:
            return self.inner._get_ls_params(stop=stop, **kwargs)
        except Exception:  # noqa: BLE001
            return super()._get_ls_params(stop=stop, **kwargs)

    def attach(self, messages: list[BaseMessage]) -> list[BaseMessage]:
        out = list(messages)
        for i, m in enumerate(out):
            if isinstance(m, HumanMessage) and isinstance(m.content, str):
                out[i] = with_images(m, self.images, self.caption)
                break
        return out

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager: Any = None,
                  **kwargs: Any) -> ChatResult:
        reply = self.inner.invoke(self.attach(messages), stop=stop, **kwargs)
        if not isinstance(reply, AIMessage):
            reply = AIMessage(content=str(getattr(reply, "content", reply)))
        model_name = (reply.response_metadata or {}).get("model_name") or getattr(self.inner, "model_name", None)
        return ChatResult(generations=[ChatGeneration(message=reply)],
                          llm_output={"model_name": model_name} if model_name else None)


def critique(deps: Deps, state: dict[str, Any]) -> StructuredResult[Critique]:
    context = critic_context(deps, state)
    model = deps.models("critic")
    frames = critic_keyframes(deps, state) if vision_enabled(deps, model) else []
    if not frames:
        return call_role(deps, "critic", context, task_id=state.get("task_id"))
    context["keyframes"] = {"note": IMAGES_NOTE, "attached": len(frames), "images": [f.describe() for f in frames]}
    counts = {label: sum(1 for f in frames if f.label == label) for label in ("failure", "success")}
    deps.tracer.event("tool", "critic_images", task_id=state.get("task_id"), iteration=state.get("iteration"),
                      candidate=frames[0].candidate, images=len(frames), failure_frames=counts["failure"],
                      success_frames=counts["success"], payload_bytes=sum(len(f.data_url) for f in frames))
    # the same role call, its model wrapped so the frames reach it (metadata `images` counts them in the trace)
    models = ChatModels(deps.models.llm, overrides={"critic": ImageAttachingChatModel(
        inner=model, images=[f.data_url for f in frames])})
    return call_role(dataclasses.replace(deps, models=models), "critic", context, task_id=state.get("task_id"),
                     images=len(frames))
