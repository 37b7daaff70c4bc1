"""The demo model's training batches and schedule, in numpy (no torch), so that they are tested on any machine.

A session is its context tokens (what enters the cache) and its queries, each attended on top of the first `n`
context tokens as the runtime's scratch overlay: a row of a batch is the session's context, causal, then its query
segments (prompt + answer), each of which sees the context before its `n` and itself, and nothing else sees them.
`overlay_allowed` is that mask for the query part; the context part is plain causal attention.
"""
import bisect
import math
import random

import numpy as np

import conversation_stream as cs


class Query:
    """A query at context length n: prompt and answer ids (answer ends with EOS), whether the answer is a value (not
    "I don't know"), the earlier context lengths where the same question also holds (`copies`), and its event."""
    __slots__ = ("n", "prompt", "answer", "is_value", "window", "event")

    def __init__(self, n, prompt, answer, is_value, window, event):
        self.n, self.prompt, self.answer, self.is_value, self.window, self.event = (
            n, prompt, answer, is_value, window, event)


class Session:
    __slots__ = ("sid", "ctx", "queries")

    def __init__(self, sid, ctx, queries):
        self.sid = sid
        self.ctx = ctx          # np.int32 ids, BOS first
        self.queries = queries  # [Query] in stream order


class Row:
    """What one batch row holds: context ids and query segments (n, prompt ids, answer ids, is_value)."""
    __slots__ = ("ctx", "segments", "query_tokens")

    def __init__(self, ctx, segments):
        self.ctx = ctx
        self.segments = segments
        self.query_tokens = sum(len(p) + len(a) for _, p, a, _ in segments)

    def tokens(self):
        return len(self.ctx) + self.query_tokens


def encode_sessions(tok, sessions, echo_probability, seed, copies):
    """Every session's pieces, encoded one at a time as the runtime encodes each event, as packing.Session. With
    `copies`, each query also gets the context lengths (piece boundaries) where the same question already holds."""
    rng = random.Random(seed)
    echo = [rng.random() < echo_probability for _ in sessions]
    copies = copies and cs.prompt_ignores_previous()
    flat, layout = [], []
    for (sid, events), e in zip(sessions, echo):
        ps = list(cs.pieces(events, echo_answers=e))
        layout.append((sid, ps, cs.copy_floors(events) if copies else None))
        for p in ps:
            flat.append(p[1])
            if p[0] == "query":
                flat.append((p[2] if p[2] is not None else "") + cs.EOS)
    unique = list(dict.fromkeys(flat))  # talk and questions repeat: each distinct piece is encoded once
    encoded = dict(zip(unique, (enc.ids for enc in tok.encode_batch(unique, add_special_tokens=False))))
    ids = [encoded[text] for text in flat]
    bos = tok.token_to_id(cs.BOS)
    not_stated = cs.normalise(cs.NOT_STATED)
    none = np.zeros(0, np.int32)
    out = []
    k = 0
    for sid, ps, floors in layout:
        ctx = [bos]
        bounds, held = [1], [0]  # the context length after each piece, and how many of the session's events it holds
        queries = []
        for p in ps:
            if p[0] == "query":
                n = len(ctx)
                floor = floors[len(queries)] if floors else None
                window = none
                if floor is not None:
                    window = np.asarray(bounds[bisect.bisect_left(held, floor):], np.int32)
                    window = window[window < n]
                is_value = p[2] is not None and cs.normalise(p[2]) != not_stated
                queries.append(Query(n, np.asarray(ids[k], np.int32), np.asarray(ids[k + 1], np.int32), is_value,
                                     window, p[3]))
                k += 2
            else:
                ctx.extend(ids[k])
                k += 1
                bounds.append(len(ctx))
                held.append(held[-1] + (p[0] == "ctx"))
        out.append(Session(sid, np.asarray(ctx, np.int32), queries))
    return out


def round_up(x, align):
    return -(-x // align) * align


def row_of(session, cap, copies, rng):
    """The session cut to its first `cap` context tokens with the queries asked within them (a query sees only what
    precedes it), each joined by up to `copies` copies of itself at earlier places where its answer already holds."""
    segments = []
    for q in session.queries:
        if q.n > cap:
            continue
        segments.append((q.n, q.prompt, q.answer, q.is_value))
        if copies and len(q.window):
            for i in sorted(rng.sample(range(len(q.window)), min(copies, len(q.window)))):
                segments.append((int(q.window[i]), q.prompt, q.answer, q.is_value))
    return Row(session.ctx[:cap], segments)


def draw_rows(pools, cap, tokens, copies, rng):
    """Rows of at least `tokens` tokens in all: each from a pool drawn by its share, then a session of it at random.
    pools: [(share, [Session])] with shares summing to 1 (a pool with share 0 or no sessions is never drawn)."""
    pools = [(share, sessions) for share, sessions in pools if share > 0 and sessions]
    total_share = sum(share for share, _ in pools)
    rows, total = [], 0
    while total < tokens:
        r = rng.random() * total_share
        for share, sessions in pools:
            r -= share
            if r < 0:
                break
        row = row_of(sessions[rng.randrange(len(sessions))], cap, copies, rng)
        rows.append(row)
        total += row.tokens()
    return rows


def padded_size(rows, align):
    """Tokens of the batch the rows make: rows x (context length + query tokens, each rounded up to `align`)."""
    return batch_size(len(rows), max(len(r.ctx) for r in rows), max(r.query_tokens for r in rows), align)


def batch_size(rows, longest_ctx, most_query_tokens, align):
    return rows * (round_up(longest_ctx, align) + round_up(most_query_tokens, align))


def group_rows(rows, micro_tokens, align):
    """Rows grouped by length into batches of at most micro_tokens padded tokens (a longer row alone)."""
    rows = sorted(rows, key=lambda r: (len(r.ctx), r.query_tokens))
    groups, current, longest, most = [], [], 0, 0
    for r in rows:
        grown = (max(longest, len(r.ctx)), max(most, r.query_tokens))
        if current and batch_size(len(current) + 1, grown[0], grown[1], align) > micro_tokens:
            groups.append(current)
            current, grown = [], (len(r.ctx), r.query_tokens)
        current.append(r)
        longest, most = grown
    if current:
        groups.append(current)
    return groups


class Batch:
    """A padded batch: ids, positions, targets, loss weights [B, T + NQ]; the first T columns are contexts, the rest
    query segments. Per query column: q_vis (context tokens it sees), q_seg (its segment, -1 for padding); per
    column: k_seg (the segment a query column belongs to, -1 elsewhere). answer/value mark the columns that predict an
    answer token or EOS (value: of an answer that is not "I don't know"). ends[i]: the last column of each segment."""

    def __init__(self, rows, answer_weight, align):
        b = len(rows)
        t = round_up(max(len(r.ctx) for r in rows), align)
        nq = round_up(max(r.query_tokens for r in rows), align)
        width = t + nq
        self.t, self.nq = t, nq
        self.ids = np.zeros((b, width), np.int64)
        self.pos = np.zeros((b, width), np.int64)
        self.tgt = np.zeros((b, width), np.int64)
        self.w = np.zeros((b, width), np.float32)
        self.answer = np.zeros((b, width), bool)
        self.value = np.zeros((b, width), bool)
        self.q_vis = np.ones((b, nq), np.int64)  # a padding column sees BOS alone, so that no softmax row is empty
        self.q_seg = np.full((b, nq), -1, np.int64)
        self.k_seg = np.full((b, width), -1, np.int64)
        self.ends = []
        self.pos[:, :t] = np.arange(t)
        for i, r in enumerate(rows):
            c = len(r.ctx)
            self.ids[i, :c] = r.ctx
            self.tgt[i, :c - 1] = r.ctx[1:]
            self.w[i, :c - 1] = 1.0
            k = t
            ends = []
            for j, (n, prompt, answer, is_value) in enumerate(r.segments):
                seg = np.concatenate([np.asarray(prompt, np.int64), np.asarray(answer, np.int64)])
                length = len(seg)
                self.ids[i, k:k + length] = seg
                self.pos[i, k:k + length] = np.arange(n, n + length)
                self.tgt[i, k:k + length - 1] = seg[1:]
                self.w[i, k:k + length - 1] = 1.0
                if len(answer):
                    # from the prompt's last token (the generation prompt) on, each column predicts the answer
                    a = slice(k + len(prompt) - 1, k + length - 1)
                    self.w[i, a] = answer_weight
                    self.answer[i, a] = True
                    self.value[i, a] = is_value
                self.q_vis[i, k - t:k - t + length] = n
                self.q_seg[i, k - t:k - t + length] = j
                self.k_seg[i, k:k + length] = j
                ends.append(k + length - 1)
                k += length
            self.ends.append(ends)
        self.weight_sum = float(self.w.sum())
        self.answer_count = int(self.answer.sum())
        self.value_count = int(self.value.sum())
        self.real_tokens = sum(r.tokens() for r in rows)


def overlay_allowed(t, q_vis, q_seg, k_seg, arange):
    """Which columns each query column attends, [B, NQ, T + NQ]: the context before its query (q_vis) and its own
    segment up to itself. Written with broadcasting alone, so numpy arrays (tests) and torch tensors (training) both
    work; arange(n) makes 0..n-1 in the same library (and device)."""
    nq = q_seg.shape[1]
    key = arange(k_seg.shape[1])
    q_pos = arange(nq) + t
    sees_context = key[None, None, :] < q_vis[:, :, None]
    own = ((k_seg[:, None, :] == q_seg[:, :, None]) & (q_seg[:, :, None] >= 0)
           & (key[None, None, :] <= q_pos[None, :, None]))
    return sees_context | own


# ------------------------------------------------------------------------------------------------------------ schedule

def cap_at(progress, start, longest, ramp):
    """The curriculum: the context cap grows geometrically from `start` tokens to the longest session by `ramp`."""
    if progress >= ramp or start >= longest:
        return longest
    return int(start * (longest / start) ** (progress / ramp))


def short_share(progress, start, floor, ramp):
    """The share of rows drawn from the short sessions: from `start` down to `floor` by `ramp`, then `floor`."""
    return start + (floor - start) * min(1.0, progress / ramp)


def lr_at(progress, steps_this_call, peak, floor, warmup):
    """Linear warmup over this call's first `warmup` steps (after a resume the fresh AdamW moments start gently too),
    then cosine from peak to floor over the progress."""
    warm = min(1.0, (steps_this_call + 1) / warmup)
    return warm * (floor + 0.5 * (peak - floor) * (1 + math.cos(math.pi * min(1.0, progress))))
