"""roboskill: generative simulation — LLM agents that invent robot tasks, build scenes, write rewards,
learn skills in PyBullet and remember them."""

__version__ = "0.1.0"
