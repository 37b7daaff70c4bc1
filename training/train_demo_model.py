"""Trains Longstream's demo model: a small Llama that answers questions from facts anywhere in a long conversation.

Steps (all in one call on the GPU machine; see README.md):
  1. a byte-level BPE tokenizer.json trained on the generated conversations (spaces and digits kept apart, so a
     value copies as the same tokens whether it follows a space in a statement or the generation prompt);
  2. every session rendered as the Java runtime's token stream (conversation_stream.py), its queries attended on top
     of the context before them and nothing after them, as the runtime's scratch overlay does;
  3. a Llama (RoPE, GQA, RMSNorm, SwiGLU, tied embeddings) trained on it, loss on every token, answer tokens weighted
     up, context lengths growing from 2K tokens to the longest session;
  4. export as a Hugging Face folder our runtime loads, a check against transformers' LlamaForCausalLM, and greedy
     exact-match accuracy on held-out sessions by question type and fact depth.
"""
import argparse
import json
import math
import os
import random
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import conversation_stream as cs  # noqa: E402


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
            yield piece[1] if piece[0] == "ctx" else piece[1] + piece[2] + cs.EOS


# ----------------------------------------------------------------------------------------------------------- encoding

class Encoded:
    """One session: the context tokens (what enters the cache) and its queries, each at the context length n it sees."""

    def __init__(self, sid, ctx, queries):
        self.sid = sid
        self.ctx = ctx            # list of ids, BOS first
        self.queries = queries    # list of (n, prompt ids, answer ids incl. EOS, event)


def encode_sessions(tok, sessions, echo_probability, seed):
    """Every session's pieces, encoded one at a time as the runtime encodes each event."""
    rng = random.Random(seed)
    echo = [rng.random() < echo_probability for _ in sessions]
    flat = []
    layout = []
    for (sid, events), e in zip(sessions, echo):
        ps = list(cs.pieces(events, echo_answers=e))
        layout.append((sid, ps))
        for p in ps:
            flat.append(p[1])
            if p[0] == "query":
                flat.append((p[2] if p[2] is not None else "") + cs.EOS)
    ids = [enc.ids for enc in tok.encode_batch(flat, add_special_tokens=False)]
    bos = tok.token_to_id(cs.BOS)
    out = []
    k = 0
    for sid, ps in layout:
        ctx = [bos]
        queries = []
        for p in ps:
            if p[0] == "ctx":
                ctx.extend(ids[k])
                k += 1
            else:
                queries.append((len(ctx), ids[k], ids[k + 1], p[3]))
                k += 2
        out.append(Encoded(sid, ctx, queries))
    return out


def truncate(s, cap):
    """The session's first `cap` context tokens and the queries asked within them (a query sees only what precedes it)."""
    if len(s.ctx) <= cap:
        return s
    return Encoded(s.sid, s.ctx[:cap], [q for q in s.queries if q[0] <= cap])


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

    def forward(self, x, cos, sin, ctx_len, query_mask):
        b, t, _ = x.shape
        q = self.q_proj(x).view(b, t, self.heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(b, t, self.kv_heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(b, t, self.kv_heads, self.head_dim).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        groups = self.heads // self.kv_heads
        # query head h reads KV head h // groups, as transformers' repeat_kv
        k = k.repeat_interleave(groups, dim=1)
        v = v.repeat_interleave(groups, dim=1)
        # the context attends causally to itself alone (flash attention); queries see the context before them and
        # their own segment, through query_mask
        out = F.scaled_dot_product_attention(q[:, :, :ctx_len], k[:, :, :ctx_len], v[:, :, :ctx_len], is_causal=True)
        if t > ctx_len:
            out_q = F.scaled_dot_product_attention(q[:, :, ctx_len:], k, v, attn_mask=query_mask)
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

    def forward(self, x, cos, sin, ctx_len, query_mask):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, ctx_len, query_mask)
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

    def forward(self, ids, positions, ctx_len, query_mask=None):
        """ids, positions: [B, T]; the first ctx_len are context, the rest query segments. Returns logits [B, T, V]."""
        x = self.model.embed_tokens(ids)
        with torch.autocast(device_type=ids.device.type, enabled=False):
            freqs = positions[:, :, None].float() * self.inv_freq[None, None, :]
            emb = torch.cat((freqs, freqs), dim=-1)
            cos, sin = emb.cos()[:, None], emb.sin()[:, None]
        dtype = torch.bfloat16 if torch.is_autocast_enabled(ids.device.type) else x.dtype
        cos, sin = cos.to(dtype), sin.to(dtype)
        for layer in self.model.layers:
            x = layer(x, cos, sin, ctx_len, query_mask)
        x = self.model.norm(x)
        return F.linear(x, self.model.embed_tokens.weight)


# ------------------------------------------------------------------------------------------------------------ batches

def make_batch(items, device, answer_weight, with_answers=True):
    """Pads sessions into one micro-batch: context part [B, T], query part [B, Nq] with its mask and loss weights."""
    b = len(items)
    t = max(len(s.ctx) for s in items)
    segs = [[(n, p + (a if with_answers else []), len(p)) for n, p, a, _ in s.queries] for s in items]
    nq = max([sum(len(x[1]) for x in sg) for sg in segs] + [0])
    ids = torch.zeros(b, t + nq, dtype=torch.long)
    pos = torch.zeros(b, t + nq, dtype=torch.long)
    tgt = torch.zeros(b, t + nq, dtype=torch.long)
    w = torch.zeros(b, t + nq)
    q_start = torch.zeros(b, max(nq, 1), dtype=torch.long)
    q_seg = torch.full((b, max(nq, 1)), -1, dtype=torch.long)
    for i, s in enumerate(items):
        ctx = torch.tensor(s.ctx, dtype=torch.long)
        ids[i, :len(ctx)] = ctx
        pos[i, :t] = torch.arange(t)
        tgt[i, :len(ctx) - 1] = ctx[1:]
        w[i, :len(ctx) - 1] = 1.0
        k = t
        for j, (n, seg, n_prompt) in enumerate(segs[i]):
            L = len(seg)
            ids[i, k:k + L] = torch.tensor(seg, dtype=torch.long)
            pos[i, k:k + L] = torch.arange(n, n + L)
            tgt[i, k:k + L - 1] = ids[i, k + 1:k + L]
            w[i, k:k + L - 1] = 1.0
            w[i, k + n_prompt - 1:k + L - 1] = answer_weight  # from the generation prompt's last token to EOS
            q_start[i, k - t:k - t + L] = n
            q_seg[i, k - t:k - t + L] = j
            k += L
    mask = None
    if nq:
        key = torch.arange(t + nq)
        row = torch.arange(nq)
        sees_ctx = key[None, None, :t] < q_start[:, :, None]                                  # [B, Nq, T]
        same = (q_seg[:, :, None] == q_seg[:, None, :]) & (q_seg[:, :, None] >= 0)
        causal = row[None, None, :] <= row[None, :, None]
        mask = torch.cat([sees_ctx, same & causal], dim=2)                                   # [B, Nq, T + Nq]
        mask[:, :, 0] |= q_seg < 0  # padding rows see BOS, so no row is empty (its loss weight is 0)
        mask = mask[:, None].to(device)
    return ids.to(device), pos.to(device), t, mask, tgt.to(device), w.to(device)


def micro_batches(items, micro_tokens):
    """Sessions grouped by length so padding stays small, each group padded to at most micro_tokens."""
    items = sorted(items, key=lambda s: len(s.ctx))
    groups, current = [], []
    for s in items:
        longest = max([len(x.ctx) for x in current] + [len(s.ctx)])
        if current and longest * (len(current) + 1) > micro_tokens:
            groups.append(current)
            current = []
        current.append(s)
    if current:
        groups.append(current)
    return groups


def cap_at(step, args, longest):
    """The curriculum: context cap from 2K tokens doubling up to the longest session by 40% of the steps."""
    ramp = max(1, int(0.4 * args.steps))
    if step >= ramp:
        return longest
    return int(min(longest, 2048 * (longest / 2048) ** (step / ramp)))


def lr_at(step, args, resumed_at):
    warm = args.warmup
    if resumed_at is not None and step - resumed_at < warm:
        rewarm = (step - resumed_at + 1) / warm  # fresh Adam moments after a resume start gently
    else:
        rewarm = 1.0
    if step < warm:
        return args.lr * (step + 1) / warm
    progress = (step - warm) / max(1, args.steps - warm)
    return rewarm * (args.min_lr + 0.5 * (args.lr - args.min_lr) * (1 + math.cos(math.pi * min(1.0, progress))))


# ---------------------------------------------------------------------------------------------------------- evaluate

@torch.no_grad()
def evaluate(model, sessions, tok, device, max_new, micro_tokens, log):
    """Greedy answers to every held-out query with its full context before it; exact match after normalisation."""
    model.eval()
    eos = tok.token_to_id(cs.EOS)
    results = []
    for group in micro_batches(sessions, micro_tokens):
        # all queries of the group decode together, each in its own segment; the context is recomputed each step
        answers = [[[] for _ in s.queries] for s in group]
        done = [[False for _ in s.queries] for s in group]
        for _ in range(max_new):
            step_items = [Encoded(s.sid, s.ctx, [(n, p + a, [], ev) for (n, p, _, ev), a in zip(s.queries, ans)])
                          for s, ans in zip(group, answers)]
            ids, pos, t, mask, _, _ = make_batch(step_items, device, 0.0)
            with torch.autocast(device_type="cuda", dtype=torch.bfloat16):
                logits = model(ids, pos, t, mask)
            for i, s in enumerate(step_items):
                k = t
                for j, (n, seg, _, _) in enumerate(s.queries):
                    k += len(seg)
                    if not done[i][j]:
                        nxt = int(logits[i, k - 1].float().argmax())
                        if nxt == eos:
                            done[i][j] = True
                        else:
                            answers[i][j].append(nxt)
            if all(all(d) for d in done):
                break
        for s, ans in zip(group, answers):
            for (n, _, _, ev), a in zip(s.queries, ans):
                text = tok.decode(a, skip_special_tokens=True)
                results.append({"session": s.sid, "query": ev["query"], "type": ev["question_type"],
                                "depth": ev.get("depth"), "expected": ev["expected"], "answer": text,
                                "context_tokens": n,
                                "correct": cs.normalise(text) == cs.normalise(ev["expected"])})
    model.train()

    def rate(rows):
        return {"n": len(rows), "exact_match": (sum(r["correct"] for r in rows) / len(rows)) if rows else None}

    by_type, by_band, by_length = {}, {}, {}
    for r in results:
        by_type.setdefault(r["type"], []).append(r)
        by_band.setdefault(cs.depth_band(r["depth"]), []).append(r)
        by_length.setdefault("<=%dK" % (2 ** math.ceil(math.log2(max(1, r["context_tokens"] / 1024)))), []).append(r)
    metrics = {"overall": rate(results), "by_question_type": {k: rate(v) for k, v in sorted(by_type.items())},
               "by_depth_band": {k: rate(v) for k, v in sorted(by_band.items())},
               "by_context_tokens": {k: rate(v) for k, v in sorted(by_length.items(), key=lambda kv: int(kv[0][2:-1]))},
               "examples": results[:40]}
    log("eval: exact match %.3f over %d queries" % (metrics["overall"]["exact_match"] or 0, len(results)))
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
        ids = torch.tensor([sample[:512]], device=device)
        with torch.no_grad():
            a = hf(ids).logits[0].float()
            b = ours(ids, torch.arange(ids.shape[1], device=device)[None], ids.shape[1])[0].float()
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

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--train", required=True, help="training conversations, JSON lines (longstream conversations)")
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
    p.add_argument("--steps", type=int, default=800)
    p.add_argument("--tokens-per-step", type=int, default=131072)
    p.add_argument("--micro-tokens", type=int, default=32768, help="padded tokens per forward pass")
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--min-lr", type=float, default=1e-4)
    p.add_argument("--warmup", type=int, default=50)
    p.add_argument("--weight-decay", type=float, default=0.1)
    p.add_argument("--answer-weight", type=float, default=5.0)
    p.add_argument("--echo-probability", type=float, default=0.5,
                   help="share of training sessions where each answer comes back as an assistant turn (as in the demo)")
    p.add_argument("--train-minutes", type=float, default=6.5, help="time box of this call's training; then resume")
    p.add_argument("--eval-sessions", type=int, default=120)
    args = p.parse_args()

    os.makedirs(args.out, exist_ok=True)
    log_file = open(os.path.join(args.out, "train.log"), "a")

    def log(msg):
        line = "[%7.1fs] %s" % (time.time() - t0, msg)
        print(line, flush=True)
        log_file.write(line + "\n")
        log_file.flush()

    t0 = time.time()
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    device = torch.device("cuda")
    torch.backends.cuda.matmul.allow_tf32 = True

    train_sessions = cs.read_sessions(args.train)
    heldout = cs.read_sessions(args.heldout)[:args.eval_sessions]
    log("read %d training and %d held-out sessions" % (len(train_sessions), len(heldout)))

    from tokenizers import Tokenizer
    state = {"step": 0, "seed": args.seed, "args": vars(args), "tokens_seen": 0, "history": []}
    if args.resume:
        tok = Tokenizer.from_file(os.path.join(args.resume, "tokenizer.json"))
        with open(os.path.join(args.resume, "train_state.json")) as f:
            state = json.load(f)
        log("resuming from step %d with the exported weights (bf16) and fresh optimizer moments" % state["step"])
    else:
        tok = train_tokenizer(session_texts(train_sessions[:1500]), args.vocab)
    log("tokenizer: %d tokens" % tok.get_vocab_size())

    train = encode_sessions(tok, train_sessions, args.echo_probability, args.seed)
    evals = encode_sessions(tok, heldout, 0.0, args.seed)
    longest = max(len(s.ctx) + max([len(q[1]) + len(q[2]) for q in s.queries] + [0]) for s in train + evals)
    lengths = sorted(len(s.ctx) for s in train)
    log("encoded: %d sessions, %d context tokens, median %d, longest %d (with its queries)"
        % (len(train), sum(lengths), lengths[len(lengths) // 2], longest))
    max_positions = max(32768, 1 << math.ceil(math.log2(longest)))
    config = model_config(args, tok, max_positions)
    model = Llama(config).to(device)
    n_params = sum(p.numel() for p in model.parameters())
    log("model: %d parameters (%.1f MiB in bf16)" % (n_params, n_params * 2 / 2 ** 20))
    resumed_at = None
    if args.resume:
        from safetensors.torch import load_file
        weights = load_file(os.path.join(args.resume, "model.safetensors"))
        missing = model.load_state_dict({k: v.float() for k, v in weights.items()}, strict=False)
        if missing.missing_keys or missing.unexpected_keys:
            raise SystemExit("resume: the weights do not fit this model: %s" % (missing,))
        resumed_at = state["step"]

    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=args.lr, betas=(0.9, 0.95), fused=True)

    step = state["step"]
    deadline = time.time() + args.train_minutes * 60
    window_tokens, window_t = 0, time.time()
    while step < args.steps and time.time() < deadline:
        cap = cap_at(step, args, longest)
        rng = random.Random(args.seed * 1_000_003 + step)  # the step's sessions depend on (seed, step) alone
        chosen, total = [], 0
        while total < args.tokens_per_step:
            s = truncate(train[rng.randrange(len(train))], cap)
            chosen.append(s)
            total += len(s.ctx) + sum(len(q[1]) + len(q[2]) for q in s.queries)
        batches = [make_batch(g, device, args.answer_weight) for g in micro_batches(chosen, args.micro_tokens)]
        weight_sum = sum(float(b[5].sum()) for b in batches)
        lr = lr_at(step, args, resumed_at)
        for group in opt.param_groups:
            group["lr"] = lr
        loss_sum, answer_loss, answer_w = 0.0, 0.0, 0.0
        for ids, pos, t, mask, tgt, w in batches:
            with torch.autocast(device_type="cuda", dtype=torch.bfloat16):
                logits = model(ids, pos, t, mask)
            ce = F.cross_entropy(logits.float().view(-1, logits.shape[-1]), tgt.view(-1), reduction="none").view(w.shape)
            loss = (ce * w).sum() / weight_sum
            loss.backward()
            loss_sum += float(loss)
            heavy = w > 1.0
            answer_loss += float((ce * heavy).sum())
            answer_w += float(heavy.sum())
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        step += 1
        state["tokens_seen"] += total
        window_tokens += total
        if step % 25 == 0 or step == args.steps:
            rate = window_tokens / (time.time() - window_t)
            entry = {"step": step, "loss": round(loss_sum, 4), "answer_loss": round(answer_loss / max(1, answer_w), 4),
                     "lr": lr, "cap": cap, "tokens_per_s": int(rate)}
            state["history"].append(entry)
            log(json.dumps(entry))
            window_tokens, window_t = 0, time.time()
    state["step"] = step
    finished = step >= args.steps
    log("training %s at step %d of %d (%d tokens seen)" % ("finished" if finished else "paused", step, args.steps,
                                                         state["tokens_seen"]))

    model_dir = os.path.join(args.out, "model")
    export(model, tok, config, model_dir, state)
    log("exported %s" % model_dir)
    metrics = {"finished": finished, "step": step, "steps": args.steps, "tokens_seen": state["tokens_seen"],
               "parameters": n_params, "config": config, "longest_session_tokens": longest,
               "train_sessions": len(train), "history": state["history"]}
    metrics["transformers_check"] = check_against_transformers(model_dir, model, evals[0].ctx, device, log)
    metrics["heldout"] = evaluate(model, evals, tok, device, 24, args.micro_tokens, log)
    metrics["seconds"] = round(time.time() - t0, 1)
    with open(os.path.join(args.out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2)
    log("wrote metrics.json; %s" % ("done" if finished else "not finished: run again with --resume %s" % model_dir))


if __name__ == "__main__":
    main()
