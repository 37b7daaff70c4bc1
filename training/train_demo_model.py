"""Trains Longstream's demo model: a small Llama that answers questions from facts anywhere in a long conversation.

Steps (all in one call on the GPU machine; see README.md):
  1. a byte-level BPE tokenizer.json trained on the generated conversations (spaces and digits kept apart, so a
     value copies as the same tokens whether it follows a space in a statement or the generation prompt);
  2. every session rendered as the Java runtime's token stream (conversation_stream.py), its queries attended on top
     of the context before them and nothing after them, as the runtime's scratch overlay does;
  3. a Llama (RoPE, GQA, RMSNorm, SwiGLU, tied embeddings) trained on it, loss on every token, answer tokens weighted
     up; short, question-dense sessions first, context lengths growing to the longest session, each question also
     asked again at earlier places where its answer already holds (training only);
  4. export as a Hugging Face folder our runtime loads, a check against transformers' LlamaForCausalLM, and greedy
     exact-match accuracy on held-out sessions by question type and fact depth.
"""
import argparse
import collections
import json
import math
import os
import queue
import random
import sys
import threading
import time
import traceback

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import conversation_stream as cs  # noqa: E402
import packing as pk  # noqa: E402

# batch dimensions are rounded up to this, so that few shapes occur and the attention mask rows stay aligned
ALIGN = 64
# the context is plain causal attention: flash (efficient where flash cannot run, e.g. the fp32 check); never the
# math path, which would materialise T x T scores, nor cuDNN, which plans again for every new shape
CONTEXT_BACKENDS = [SDPBackend.FLASH_ATTENTION, SDPBackend.EFFICIENT_ATTENTION]
# the query overlay needs a mask: memory-efficient attention, math only if that cannot run
OVERLAY_BACKENDS = [SDPBackend.EFFICIENT_ATTENTION, SDPBackend.MATH]


# ---------------------------------------------------------------------------------------------------------- tokenizer

def train_tokenizer(texts, vocab_size):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(" ", behavior="isolated"),
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
    ])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=cs.SPECIAL_TOKENS, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(texts, trainer=trainer)
    return tok


def session_texts(sessions):
    for _, events in sessions:
        for piece in cs.pieces(events, echo_answers=True):
            yield piece[1] if piece[0] != "query" else piece[1] + piece[2] + cs.EOS


# -------------------------------------------------------------------------------------------------------------- model

class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        dtype = x.dtype
        x = x.float()
        x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * x.to(dtype)


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.heads, self.kv_heads, self.head_dim = c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"]
        h = c["hidden_size"]
        self.q_proj = nn.Linear(h, self.heads * self.head_dim, bias=False)
        self.k_proj = nn.Linear(h, self.kv_heads * self.head_dim, bias=False)
        self.v_proj = nn.Linear(h, self.kv_heads * self.head_dim, bias=False)
        self.o_proj = nn.Linear(self.heads * self.head_dim, h, bias=False)

    def forward(self, x, cos, sin, ctx_len, allowed):
        b, t, _ = x.shape
        q = self.q_proj(x).view(b, t, self.heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(b, t, self.kv_heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(b, t, self.kv_heads, self.head_dim).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        # query head h reads KV head h // groups, as transformers' repeat_kv (the same expand and reshape)
        groups = self.heads // self.kv_heads
        k = k[:, :, None].expand(b, self.kv_heads, groups, t, self.head_dim).reshape(b, self.heads, t, self.head_dim)
        v = v[:, :, None].expand(b, self.kv_heads, groups, t, self.head_dim).reshape(b, self.heads, t, self.head_dim)
        # the context attends causally to itself alone; the query columns see the context before their query and
        # their own segment (allowed: [B, NQ, T + NQ]), and no column sees them
        with sdpa_kernel(CONTEXT_BACKENDS):
            out = F.scaled_dot_product_attention(q[:, :, :ctx_len], k[:, :, :ctx_len], v[:, :, :ctx_len],
                                                 is_causal=True)
        if t > ctx_len:
            with sdpa_kernel(OVERLAY_BACKENDS):
                out_q = F.scaled_dot_product_attention(q[:, :, ctx_len:], k, v, attn_mask=allowed[:, None])
            out = torch.cat([out, out_q], dim=2)
        return self.o_proj(out.transpose(1, 2).reshape(b, t, self.heads * self.head_dim))


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.gate_proj = nn.Linear(c["hidden_size"], c["intermediate_size"], bias=False)
        self.up_proj = nn.Linear(c["hidden_size"], c["intermediate_size"], bias=False)
        self.down_proj = nn.Linear(c["intermediate_size"], c["hidden_size"], bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.input_layernorm = RMSNorm(c["hidden_size"], c["rms_norm_eps"])
        self.self_attn = Attention(c)
        self.post_attention_layernorm = RMSNorm(c["hidden_size"], c["rms_norm_eps"])
        self.mlp = MLP(c)

    def forward(self, x, cos, sin, ctx_len, allowed):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, ctx_len, allowed)
        return x + self.mlp(self.post_attention_layernorm(x))


class Body(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed_tokens = nn.Embedding(c["vocab_size"], c["hidden_size"])
        self.layers = nn.ModuleList(Layer(c) for _ in range(c["num_hidden_layers"]))
        self.norm = RMSNorm(c["hidden_size"], c["rms_norm_eps"])


class Llama(nn.Module):
    """transformers' Llama (same parameter names under `model.`), with tied embeddings and a query overlay."""

    def __init__(self, c):
        super().__init__()
        self.config = c
        self.model = Body(c)
        d = c["head_dim"]
        inv_freq = 1.0 / (c["rope_parameters"]["rope_theta"] ** (torch.arange(0, d, 2, dtype=torch.int64).float() / d))
        self.register_buffer("inv_freq", inv_freq, persistent=False)
        std = 0.02
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, std=std)
            elif isinstance(m, nn.Embedding):
                nn.init.normal_(m.weight, std=std)
        for layer in self.model.layers:  # residual projections scaled down with depth (GPT-2)
            nn.init.normal_(layer.self_attn.o_proj.weight, std=std / math.sqrt(2 * len(self.model.layers)))
            nn.init.normal_(layer.mlp.down_proj.weight, std=std / math.sqrt(2 * len(self.model.layers)))

    def forward(self, ids, positions, ctx_len, allowed=None):
        """ids, positions: [B, T]; the first ctx_len columns are context, the rest query segments whose attention
        `allowed` ([B, NQ, T] bool) gives. Returns the final normalised hidden states [B, T, hidden]."""
        x = self.model.embed_tokens(ids)
        with torch.autocast(device_type=ids.device.type, enabled=False):
            freqs = positions[:, :, None].float() * self.inv_freq[None, None, :]
            emb = torch.cat((freqs, freqs), dim=-1)
            cos, sin = emb.cos()[:, None], emb.sin()[:, None]
        dtype = torch.bfloat16 if torch.is_autocast_enabled(ids.device.type) else x.dtype
        cos, sin = cos.to(dtype), sin.to(dtype)
        for layer in self.model.layers:
            x = layer(x, cos, sin, ctx_len, allowed)
        return self.model.norm(x)

    def logits(self, hidden):
        return F.linear(hidden, self.model.embed_tokens.weight)


# ------------------------------------------------------------------------------------------------------------ batches

BATCH_ARRAYS = ("ids", "pos", "tgt", "w", "answer", "value", "q_vis", "q_seg", "k_seg")


def to_device(batch, device, pinned):
    """The batch's arrays as tensors on the device; from pinned memory the copies run alongside the GPU's work."""
    out = {}
    for name in BATCH_ARRAYS:
        t = pinned[name] if pinned is not None else torch.from_numpy(getattr(batch, name))
        out[name] = t.to(device, non_blocking=pinned is not None)
    if batch.nq:
        out["allowed"] = pk.overlay_allowed(batch.t, out["q_vis"], out["q_seg"], out["k_seg"],
                                            lambda n: torch.arange(n, device=device))
    else:
        out["allowed"] = None
    return out


def pinned_copy(array):
    t = torch.from_numpy(array)
    return t.pin_memory() if t.numel() else t


class BatchMaker(threading.Thread):
    """Builds the coming steps' batches on the CPU while the GPU trains: block b draws its rows from
    Random(seed * 1000003 + b) with the curriculum of the moment, groups them by length into micro-batches of at most
    micro_tokens, shuffles them; each micro-batch is one optimizer step. Pinned, so the copy to the GPU is async."""

    def __init__(self, args, long_pool, short_pool, progress_of, longest, first_step, first_block, pin):
        super().__init__(daemon=True)
        self.pin = pin
        self.args, self.long_pool, self.short_pool = args, long_pool, short_pool
        self.progress_of, self.longest = progress_of, longest
        self.step, self.block = first_step, first_block
        self.out = queue.Queue(maxsize=4)
        self.halt = threading.Event()

    def run(self):
        a = self.args
        try:
            while not self.halt.is_set():
                p = self.progress_of(self.step)
                cap = pk.cap_at(p, a.start_cap, self.longest, a.cap_ramp)
                share = pk.short_share(p, a.short_start, a.short_floor, a.cap_ramp) if self.short_pool else 0.0
                rng = random.Random(a.seed * 1_000_003 + self.block)
                rows = pk.draw_rows([(share, self.short_pool), (1.0 - share, self.long_pool)], cap,
                                    a.block_steps * a.micro_tokens, a.copies, rng)
                groups = pk.group_rows(rows, a.micro_tokens, ALIGN)
                rng.shuffle(groups)
                for g in groups:
                    batch = pk.Batch(g, a.answer_weight, ALIGN)
                    pinned = {name: pinned_copy(getattr(batch, name)) for name in BATCH_ARRAYS} if self.pin else None
                    self._put((self.block, cap, share, batch, pinned))
                    self.step += 1
                self.block += 1
        except BaseException as e:  # the training loop raises it
            self._put(e)

    def _put(self, item):
        while not self.halt.is_set():
            try:
                self.out.put(item, timeout=0.5)
                return
            except queue.Full:
                pass

    def next(self):
        item = self.out.get()
        if isinstance(item, BaseException):
            raise RuntimeError("building a batch failed") from item
        return item

    def close(self):
        self.halt.set()


# ---------------------------------------------------------------------------------------------------------- evaluate

@torch.no_grad()
def evaluate(model, sessions, tok, device, max_new, micro_tokens, deadline, log):
    """Greedy answers to every held-out query with its full context before it; exact match after normalisation.
    All queries of a group of sessions decode together, each in its own overlay segment; the context is recomputed
    each step. Stops at the deadline; the metrics then count the queries answered."""
    model.eval()
    eos = tok.token_to_id(cs.EOS)
    results = []
    asked = sum(len(s.queries) for s in sessions)
    # grouped as their rows with the expected answers would be, which decoded answers rarely outgrow
    rows, owner = [], {}
    for s in sessions:
        if s.queries:
            rows.append(pk.Row(s.ctx, [(q.n, q.prompt, q.answer, q.is_value) for q in s.queries]))
            owner[id(rows[-1])] = s
    groups = [[owner[id(r)] for r in g] for g in pk.group_rows(rows, micro_tokens, ALIGN)]
    for group in groups:
        answers = [[[] for _ in s.queries] for s in group]
        done = [[False for _ in s.queries] for s in group]
        cut = False
        for _ in range(max_new):
            cut = time.time() > deadline
            if cut:
                break
            live = [(i, [j for j in range(len(s.queries)) if not done[i][j]]) for i, s in enumerate(group)]
            live = [(i, js) for i, js in live if js]
            if not live:
                break
            rows = [pk.Row(group[i].ctx, [(group[i].queries[j].n, group[i].queries[j].prompt, answers[i][j], False)
                                          for j in js]) for i, js in live]
            batch = pk.Batch(rows, 0.0, ALIGN)
            t = to_device(batch, device, None)
            with torch.autocast(device_type=device.type, dtype=torch.bfloat16):
                h = model(t["ids"], t["pos"], batch.t, t["allowed"])
                r = [row for row, ends in enumerate(batch.ends) for _ in ends]
                c = [col for ends in batch.ends for col in ends]
                nxt = model.logits(h[r, c]).float().argmax(-1).tolist()
            k = 0
            for i, js in live:
                for j in js:
                    if nxt[k] == eos:
                        done[i][j] = True
                    else:
                        answers[i][j].append(nxt[k])
                    k += 1
        if cut:  # this group's answers may be cut short: only whole groups count
            log("eval stopped at the time wall after %d of %d queries" % (len(results), asked))
            break
        for s, ans in zip(group, answers):
            for q, a in zip(s.queries, ans):
                ev = q.event
                text = tok.decode(a, skip_special_tokens=True)
                results.append({"session": s.sid, "query": ev["query"], "type": ev["question_type"],
                                "depth": ev.get("depth"), "expected": ev["expected"], "answer": text,
                                "context_tokens": q.n,
                                "correct": cs.normalise(text) == cs.normalise(ev["expected"])})
    model.train()

    def rate(rows):
        return {"n": len(rows), "exact_match": (sum(r["correct"] for r in rows) / len(rows)) if rows else None}

    by_type, by_band, by_length = {}, {}, {}
    for r in results:
        by_type.setdefault(r["type"], []).append(r)
        by_band.setdefault(cs.depth_band(r["depth"]), []).append(r)
        by_length.setdefault("<=%dK" % (2 ** math.ceil(math.log2(max(1, r["context_tokens"] / 1024)))), []).append(r)
    metrics = {"overall": rate(results), "queries_asked": asked,
               "by_question_type": {k: rate(v) for k, v in sorted(by_type.items())},
               "by_depth_band": {k: rate(v) for k, v in sorted(by_band.items())},
               "by_context_tokens": {k: rate(v) for k, v in sorted(by_length.items(), key=lambda kv: int(kv[0][2:-1]))},
               "examples": results[:40]}
    log("eval: exact match %.3f over %d queries; by type %s" % (
        metrics["overall"]["exact_match"] or 0, len(results),
        json.dumps({k: round(v["exact_match"], 3) for k, v in metrics["by_question_type"].items()})))
    return metrics


# ------------------------------------------------------------------------------------------------------------- export

def model_config(args, tok, max_positions):
    return {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama",
        "vocab_size": tok.get_vocab_size(), "hidden_size": args.hidden, "intermediate_size": args.intermediate,
        "num_hidden_layers": args.layers, "num_attention_heads": args.heads, "num_key_value_heads": args.kv_heads,
        "head_dim": args.head_dim, "hidden_act": "silu", "rms_norm_eps": 1e-5,
        "max_position_embeddings": max_positions,
        "rope_parameters": {"rope_theta": args.rope_theta, "rope_type": "default"},
        "attention_bias": False, "attention_dropout": 0.0, "mlp_bias": False, "tie_word_embeddings": True,
        "bos_token_id": tok.token_to_id(cs.BOS), "eos_token_id": tok.token_to_id(cs.EOS), "pad_token_id": None,
        "initializer_range": 0.02, "use_cache": True, "dtype": "bfloat16",
    }


def export(model, tok, config, out_dir, state):
    from safetensors.torch import save_file
    os.makedirs(out_dir, exist_ok=True)
    tensors = {k: v.detach().to(torch.bfloat16).contiguous().cpu() for k, v in model.state_dict().items()
               if k.startswith("model.")}
    save_file(tensors, os.path.join(out_dir, "model.safetensors"), metadata={"format": "pt"})
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    with open(os.path.join(out_dir, "generation_config.json"), "w") as f:
        json.dump({"bos_token_id": config["bos_token_id"], "eos_token_id": config["eos_token_id"],
                   "do_sample": False}, f, indent=2)
    tok.save(os.path.join(out_dir, "tokenizer.json"))
    with open(os.path.join(out_dir, "tokenizer_config.json"), "w") as f:
        json.dump({"bos_token": cs.BOS, "eos_token": cs.EOS, "add_bos_token": True,
                   "model_max_length": config["max_position_embeddings"],
                   "tokenizer_class": "PreTrainedTokenizerFast", "chat_template": cs.CHAT_TEMPLATE}, f, indent=2)
    with open(os.path.join(out_dir, "train_state.json"), "w") as f:
        json.dump(state, f, indent=2)


def check_against_transformers(model_dir, model, sample, device, log):
    """Reloads the exported folder with transformers and compares logits and the chat template with ours."""
    report = {}
    try:
        from tokenizers import Tokenizer
        from transformers import AutoTokenizer, LlamaForCausalLM
        hf = LlamaForCausalLM.from_pretrained(model_dir, dtype=torch.float32).to(device).eval()
        ours = Llama(model.config).to(device).eval()
        ours.load_state_dict({k: v.to(torch.bfloat16).float() for k, v in model.state_dict().items()}, strict=False)
        ids = torch.tensor([[int(x) for x in sample[:512]]], device=device)
        with torch.no_grad():
            a = hf(ids).logits[0].float()
            b = ours.logits(ours(ids, torch.arange(ids.shape[1], device=device)[None], ids.shape[1]))[0].float()
        report["logits_max_abs_diff"] = float((a - b).abs().max())
        report["logits_scale"] = float(a.abs().max())
        hft = AutoTokenizer.from_pretrained(model_dir)
        msgs = [{"role": "user", "content": "My locker number is 4821."}, {"role": "assistant", "content": "Noted."},
                {"role": "user", "content": "What is my locker number?"}]
        rendered = hft.apply_chat_template(msgs, tokenize=False, add_generation_prompt=True)
        report["chat_template_matches"] = rendered == cs.render([(m["role"], m["content"]) for m in msgs], True)
        text = "<|user|>My locker number is 4821.<|end|><|assistant|>"
        ours_tok = Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
        report["tokenizer_matches"] = (hft(text, add_special_tokens=False)["input_ids"]
                                       == ours_tok.encode(text, add_special_tokens=False).ids)
    except Exception as e:  # the export stays usable; the report says what could not be checked
        report["error"] = "%s: %s" % (type(e).__name__, e)
    log("transformers check: %s" % json.dumps(report))
    return report


# --------------------------------------------------------------------------------------------------------------- main

def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--train", required=True, help="training conversations, JSON lines (longstream conversations)")
    p.add_argument("--short-train", help="short training conversations (e.g. --min-words 200 --max-words 800): "
                                         "questions come densely there, so recall is learnt first on them")
    p.add_argument("--heldout", required=True, help="held-out conversations (other seed) for the evaluation")
    p.add_argument("--out", required=True, help="folder for model/, metrics.json and train.log")
    p.add_argument("--resume", help="a model folder an earlier run exported (with train_state.json)")
    p.add_argument("--seed", type=int, default=17)
    p.add_argument("--vocab", type=int, default=4096)
    p.add_argument("--hidden", type=int, default=320)
    p.add_argument("--intermediate", type=int, default=768)
    p.add_argument("--layers", type=int, default=6)
    p.add_argument("--heads", type=int, default=8)
    p.add_argument("--kv-heads", type=int, default=2)
    p.add_argument("--head-dim", type=int, default=64)
    p.add_argument("--rope-theta", type=float, default=500000.0)
    p.add_argument("--steps", type=int, default=0,
                   help="length of the schedule in optimizer steps; 0: the schedule follows the time box instead")
    p.add_argument("--micro-tokens", type=int, default=65536, help="padded tokens of a step's batch")
    p.add_argument("--block-steps", type=int, default=8,
                   help="steps' worth of rows drawn at once and grouped by length (less padding)")
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--min-lr", type=float, default=1e-4)
    p.add_argument("--warmup", type=int, default=150, help="warmup steps of this call")
    p.add_argument("--weight-decay", type=float, default=0.1)
    p.add_argument("--answer-weight", type=float, default=8.0, help="loss weight of answer tokens and their EOS")
    p.add_argument("--copies", type=int, default=3,
                   help="each single, updated or not-stated question also asked at up to this many earlier places "
                        "where its answer already holds (training only)")
    p.add_argument("--start-cap", type=int, default=1024, help="context cap at the start of the curriculum")
    p.add_argument("--cap-ramp", type=float, default=0.6,
                   help="share of the schedule over which the cap grows to the longest session and the short "
                        "sessions' share falls")
    p.add_argument("--short-start", type=float, default=0.9, help="share of rows from --short-train at the start")
    p.add_argument("--short-floor", type=float, default=0.25, help="share of rows from --short-train after the ramp")
    p.add_argument("--echo-probability", type=float, default=0.5,
                   help="share of training sessions where each answer comes back as an assistant turn (as in the demo)")
    p.add_argument("--train-minutes", type=float, default=8.0, help="time box of this call's training")
    p.add_argument("--end-at", type=float, default=0,
                   help="hard wall, in Unix seconds, by which this script must have ended (0: none): training ends "
                        "--reserve-seconds before it, the evaluation 10 s before it")
    p.add_argument("--reserve-seconds", type=float, default=60, help="kept for export, check and evaluation")
    p.add_argument("--log-every", type=int, default=100, help="steps between log lines (each one waits for the GPU)")
    p.add_argument("--eval-sessions", type=int, default=120)
    p.add_argument("--device", default="cuda", help="cuda; cpu runs the whole script slowly, for a smoke test")
    args = p.parse_args()
    for name in ("micro_tokens", "block_steps", "warmup", "log_every", "start_cap"):
        if getattr(args, name) < 1:
            p.error("--%s must be at least 1" % name.replace("_", "-"))
    if args.steps < 0 or args.copies < 0 or not 0 < args.cap_ramp <= 1:
        p.error("--steps and --copies must be >= 0 and --cap-ramp in (0, 1]")
    return args


def main():
    args = parse_args()
    t0 = time.time()
    os.makedirs(args.out, exist_ok=True)
    log_file = open(os.path.join(args.out, "train.log"), "a")

    def log(msg):
        line = "[%7.1fs] %s" % (time.time() - t0, msg)
        print(line, flush=True)
        log_file.write(line + "\n")
        log_file.flush()

    random.seed(args.seed)
    torch.manual_seed(args.seed)
    device = torch.device(args.device)
    cuda = device.type == "cuda"
    torch.backends.cuda.matmul.allow_tf32 = True

    train_sessions = cs.read_sessions(args.train)
    short_sessions = cs.read_sessions(args.short_train) if args.short_train else []
    heldout = cs.read_sessions(args.heldout)[:args.eval_sessions]
    log("read %d training, %d short training and %d held-out sessions"
        % (len(train_sessions), len(short_sessions), len(heldout)))

    from tokenizers import Tokenizer
    state = {"step": 0, "block": 0, "seed": args.seed, "args": vars(args), "tokens_seen": 0, "history": []}
    if args.resume:
        tok = Tokenizer.from_file(os.path.join(args.resume, "tokenizer.json"))
        with open(os.path.join(args.resume, "train_state.json")) as f:
            state = json.load(f)
        state.setdefault("block", 0)
        log("resuming from step %d with the exported weights (bf16) and fresh optimizer moments" % state["step"])
    else:
        tok = train_tokenizer(session_texts(train_sessions[:1500]), args.vocab)
    log("tokenizer: %d tokens" % tok.get_vocab_size())

    train = pk.encode_sessions(tok, train_sessions, args.echo_probability, args.seed, args.copies)
    short = pk.encode_sessions(tok, short_sessions, args.echo_probability, args.seed + 1, args.copies)
    evals = pk.encode_sessions(tok, heldout, 0.0, args.seed, 0)
    longest = max(len(s.ctx) + max([len(q.prompt) + len(q.answer) for q in s.queries] + [0])
                  for s in train + short + evals)
    longest_ctx = max(len(s.ctx) for s in train + short)
    lengths = sorted(len(s.ctx) for s in train)
    log("encoded: %d sessions, %d context tokens, median %d, longest %d (with its queries); %d short sessions, "
        "%d context tokens; %d copy places for %d training queries"
        % (len(train), sum(lengths), lengths[len(lengths) // 2], longest, len(short), sum(len(s.ctx) for s in short),
           sum(len(q.window) for s in train + short for q in s.queries),
           sum(len(s.queries) for s in train + short)))
    max_positions = max(32768, 1 << math.ceil(math.log2(longest)))
    config = model_config(args, tok, max_positions)
    model = Llama(config).to(device)
    n_params = sum(p.numel() for p in model.parameters())
    log("model: %d parameters (%.1f MiB in bf16)" % (n_params, n_params * 2 / 2 ** 20))
    if args.resume:
        from safetensors.torch import load_file
        weights = load_file(os.path.join(args.resume, "model.safetensors"))
        missing = model.load_state_dict({k: v.float() for k, v in weights.items()}, strict=False)
        if missing.missing_keys or missing.unexpected_keys:
            raise SystemExit("resume: the weights do not fit this model: %s" % (missing,))

    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=args.lr, betas=(0.9, 0.95), fused=cuda)

    first_step = step = state["step"]
    train_start = time.time()
    deadline = train_start + args.train_minutes * 60
    if args.end_at:
        deadline = min(deadline, args.end_at - args.reserve_seconds)
    box = max(1.0, deadline - train_start)
    log("training for at most %.0f s (%s)" % (deadline - train_start,
                                              "%d steps" % args.steps if args.steps else "schedule over the time box"))

    def progress_of(at_step):
        if args.steps:
            return at_step / args.steps
        return min(1.0, (time.time() - train_start) / box)

    maker = BatchMaker(args, train, short, progress_of, longest_ctx, step, state["block"], pin=cuda)
    maker.start()
    inflight = collections.deque()   # CUDA events of the steps the GPU may still be running
    step_seconds = collections.deque(maxlen=8)
    last_done = None
    sums = torch.zeros(4, device=device)  # loss (per step), answer CE, value CE, value tokens right (teacher forced)
    counts = {"steps": 0, "answer": 0, "value": 0, "tokens": 0}
    window_t = time.time()
    cap = share = block = p = 0
    error = None
    try:
        while not (args.steps and step >= args.steps):
            if step_seconds and time.time() + 1.5 * max(step_seconds) >= deadline or time.time() >= deadline:
                break
            block, cap, share, batch, pinned = maker.next()
            t = to_device(batch, device, pinned)
            p = progress_of(step)
            lr = pk.lr_at(p, step - first_step, args.lr, args.min_lr, args.warmup)
            for group in opt.param_groups:
                group["lr"] = lr
            with torch.autocast(device_type=device.type, dtype=torch.bfloat16):
                logits = model.logits(model(t["ids"], t["pos"], batch.t, t["allowed"]))
            ce = F.cross_entropy(logits.float().view(-1, logits.shape[-1]), t["tgt"].view(-1),
                                 reduction="none").view(t["w"].shape)
            loss = (ce * t["w"]).sum() / batch.weight_sum
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            opt.zero_grad(set_to_none=True)
            with torch.no_grad():
                ce = ce.detach()
                right = (logits.argmax(-1) == t["tgt"]) & t["value"]
                sums += torch.stack([loss.detach(), (ce * t["answer"]).sum(), (ce * t["value"]).sum(), right.sum().float()])
            if cuda:
                inflight.append(torch.cuda.Event())
                inflight[-1].record()
            # at most two steps queued ahead of the GPU: the time box stays a wall and the step time is known
            if len(inflight) > 2 or not cuda:
                if cuda:
                    inflight.popleft().synchronize()
                now = time.time()
                if last_done is not None:
                    step_seconds.append(now - last_done)
                last_done = now
            step += 1
            counts["steps"] += 1
            counts["answer"] += batch.answer_count
            counts["value"] += batch.value_count
            counts["tokens"] += batch.real_tokens
            state["tokens_seen"] += batch.real_tokens
            if step % args.log_every == 0 or (args.steps and step == args.steps):
                s = sums.tolist()
                elapsed = time.time() - window_t
                entry = {"step": step, "progress": round(p, 4), "loss": round(s[0] / counts["steps"], 4),
                         "answer_loss": round(s[1] / max(1, counts["answer"]), 4),
                         "value_loss": round(s[2] / max(1, counts["value"]), 4),
                         "value_token_accuracy": round(s[3] / max(1, counts["value"]), 4),
                         "lr": round(lr, 6), "cap": cap, "short_share": round(share, 3),
                         "tokens_per_s": int(counts["tokens"] / elapsed),
                         "steps_per_s": round(counts["steps"] / elapsed, 2)}
                state["history"].append(entry)
                log(json.dumps(entry))
                sums.zero_()
                counts = dict.fromkeys(counts, 0)
                window_t = time.time()
    except Exception as e:  # one call is all there is: what was trained so far is still exported and evaluated
        error = "%s: %s" % (type(e).__name__, e)
        log("training stopped by an error at step %d:\n%s" % (step, traceback.format_exc()))
    maker.close()
    if cuda:
        torch.cuda.synchronize()
    state["step"] = step
    state["block"] = block + 1
    state["progress"] = round(p, 4)
    finished = error is None and (step >= args.steps if args.steps else p >= 0.98)
    log("training %s at step %d (%s; %d tokens seen)" % (
        "finished" if finished else "paused", step, "of %d" % args.steps if args.steps else "progress %.3f" % p,
        state["tokens_seen"]))

    model_dir = os.path.join(args.out, "model")
    export(model, tok, config, model_dir, state)
    log("exported %s" % model_dir)
    metrics = {"finished": finished, "error": error, "step": step, "steps": args.steps,
               "tokens_seen": state["tokens_seen"],
               "parameters": n_params, "config": config, "longest_session_tokens": longest,
               "train_sessions": len(train), "short_train_sessions": len(short), "history": state["history"]}
    metrics["transformers_check"] = check_against_transformers(model_dir, model, evals[0].ctx, device, log)
    eval_deadline = args.end_at - 10 if args.end_at else float("inf")
    metrics["heldout"] = evaluate(model, evals, tok, device, 24, 2 * args.micro_tokens, eval_deadline, log)
    metrics["seconds"] = round(time.time() - t0, 1)
    with open(os.path.join(args.out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2)
    log("wrote metrics.json; %s" % ("done" if finished else "not finished: run again with --resume %s" % model_dir))


if __name__ == "__main__":
    main()
