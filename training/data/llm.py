"""LLM backends for `redline data generate` and `redline data fix`: one chat message in, the reply out.

Any OpenAI-compatible chat endpoint (HTTP, standard library only) or a local transformers causal LM
loaded through scoring.probe.supervisor (the bundled SmolLM2 by default). Neither is ever required to build
the dataset.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Protocol

from scoring.errors import DataSourceError, ModelLoadError


class Backend(Protocol):
    name: str

    def complete(self, prompt: str) -> str: ...


@dataclass
class OpenAICompatible:
    """POST {base_url}/chat/completions; works with OpenAI, vLLM, llama.cpp server, Ollama, ..."""

    base_url: str
    model: str
    api_key: str = ""
    temperature: float = 0.0
    max_tokens: int = 768
    timeout_s: float = 120.0

    @property
    def name(self) -> str:
        return self.model

    def complete(self, prompt: str) -> str:
        body = {
            "model": self.model,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "messages": [{"role": "user", "content": prompt}],
        }
        request = urllib.request.Request(
            self.base_url.rstrip("/") + "/chat/completions",
            data=json.dumps(body).encode(),
            method="POST",
            headers={
                "Content-Type": "application/json",
                **({"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                return json.loads(response.read())["choices"][0]["message"]["content"] or ""
        except (urllib.error.URLError, TimeoutError, KeyError, IndexError, json.JSONDecodeError) as error:
            raise DataSourceError(f"LLM endpoint {self.base_url} failed: {error}") from error


@dataclass
class LocalModel:
    """A local causal LM (None: the bundled SmolLM2-135M-Instruct), greedy decoding with its chat template."""

    model: str | None = None
    max_new_tokens: int = 384
    _loaded: Any = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return self.model or "SmolLM2-135M-Instruct"

    def complete(self, prompt: str) -> str:
        import torch

        from scoring.probe.supervisor import load_supervisor

        if self._loaded is None:
            self._loaded = load_supervisor(self.model, lm_head=True)
        supervisor = self._loaded
        tokenizer = supervisor.tokenizer
        if not hasattr(supervisor.model, "generate"):
            raise ModelLoadError(f"{self.name} cannot generate text (no language-model head)")
        if getattr(tokenizer, "chat_template", None):
            text = tokenizer.apply_chat_template(
                [{"role": "user", "content": prompt}],
                tokenize=False,
                add_generation_prompt=True,
            )
        else:
            text = prompt
        inputs = tokenizer(text, return_tensors="pt")
        with torch.no_grad():
            output = supervisor.model.generate(
                **inputs,
                max_new_tokens=self.max_new_tokens,
                do_sample=False,
                pad_token_id=tokenizer.eos_token_id,
            )
        return tokenizer.decode(output[0, inputs["input_ids"].shape[1] :], skip_special_tokens=True)
