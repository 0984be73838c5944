"""roboskill's embedded offline model: a deterministic, seeded procedural generator — NOT an LLM.

It answers the agent roles' prompts (proposer, scene_designer, reward_writer, critic, curator) in the
same JSON formats an LLM would, from a task grammar, layout rules, reward-term templates and decision
rules. See docs/offline_model.md.
"""

from roboskill.agents.offline.external import external_reward_source
from roboskill.agents.offline.model import MODEL_NAME, OfflineChatModel

__all__ = ["MODEL_NAME", "OfflineChatModel", "external_reward_source"]
