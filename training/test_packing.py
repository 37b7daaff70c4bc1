"""Tests of packing (numpy, no torch): python3 -m unittest training/test_packing.py"""
import os
import random
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import conversation_stream as cs  # noqa: E402
import packing as pk  # noqa: E402


class CharTokenizer:
    """One token per character, specials whole: enough of tokenizers.Tokenizer for encode_sessions."""

    class Encoding:
        def __init__(self, ids):
            self.ids = ids

    def __init__(self):
        self.special = {s: i for i, s in enumerate(cs.SPECIAL_TOKENS)}

    def token_to_id(self, token):
        return self.special[token]

    def encode(self, text):
        ids, i = [], 0
        while i < len(text):
            for s, sid in self.special.items():
                if text.startswith(s, i):
                    ids.append(sid)
                    i += len(s)
                    break
            else:
                ids.append(100 + ord(text[i]))
                i += 1
        return ids

    def encode_batch(self, texts, add_special_tokens):
        assert not add_special_tokens
        return [self.Encoding(self.encode(t)) for t in texts]


def visible(batch):
    """The overlay by its definition, as nested lists: query column -> the set of columns it attends."""
    out = []
    for i, ends in enumerate(batch.ends):
        row = [{0} for _ in range(batch.nq)]  # padding columns see BOS alone
        start = batch.t
        for end in ends:
            n = int(batch.q_vis[i, start - batch.t])
            for col in range(start, end + 1):
                row[col - batch.t] = set(range(n)) | set(range(start, col + 1))
            start = end + 1
        out.append(row)
    return out


class PackingTest(unittest.TestCase):
    def rows(self):
        # row 0: context of 5 tokens, a query at n=3 (prompt 2, answer 2) and one at n=5 (prompt 1, answer 1)
        # row 1: context of 2 tokens, one query at n=2 (prompt 2, answer 1, not a value)
        return [pk.Row(np.array([0, 11, 12, 13, 14], np.int32), [(3, [21, 22], [23, 1], True), (5, [31], [1], True)]),
                pk.Row(np.array([0, 41], np.int32), [(2, [51, 52], [1], False)])]

    def test_a_batch_lays_out_context_then_query_segments(self):
        b = pk.Batch(self.rows(), 8.0, align=4)
        self.assertEqual((8, 8), (b.t, b.nq))
        self.assertEqual([0, 11, 12, 13, 14, 0, 0, 0, 21, 22, 23, 1, 31, 1, 0, 0], b.ids[0].tolist())
        self.assertEqual([0, 1, 2, 3, 4, 5, 6, 7, 3, 4, 5, 6, 5, 6, 0, 0], b.pos[0].tolist(),
                         "a query continues the positions of the context it sees")
        self.assertEqual([11, 12, 13, 14, 0, 0, 0, 0, 22, 23, 1, 0, 1, 0, 0, 0], b.tgt[0].tolist())
        self.assertEqual([1, 1, 1, 1, 0, 0, 0, 0, 1, 8, 8, 0, 8, 0, 0, 0], b.w[0].tolist(),
                         "from the prompt's last token on, answer tokens and EOS weigh 8; no target crosses segments")
        self.assertEqual([False] * 9 + [True, True, False, True, False, False, False], b.answer[0].tolist())
        self.assertEqual(b.answer[0].tolist(), b.value[0].tolist())
        self.assertEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0], b.answer[1].astype(int).tolist())
        self.assertFalse(b.value[1].any(), "an answer of I don't know is an answer, not a value")
        self.assertEqual([[11, 13], [10]], b.ends)
        self.assertEqual((4, 3, 16), (b.answer_count, b.value_count, b.real_tokens))
        self.assertEqual(float(b.w.sum()), b.weight_sum)

    def test_the_overlay_is_the_runtime_scratch(self):
        b = pk.Batch(self.rows(), 1.0, align=4)
        allowed = pk.overlay_allowed(b.t, b.q_vis, b.q_seg, b.k_seg, np.arange)
        self.assertEqual((2, b.nq, b.t + b.nq), allowed.shape)
        expected = visible(b)
        for i in range(2):
            for q in range(b.nq):
                self.assertEqual(expected[i][q], set(np.flatnonzero(allowed[i, q]).tolist()), "row %d col %d" % (i, q))
        # the first query of row 0 sees context 0..2 and itself; never the context after it or the other query
        self.assertEqual([1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0], allowed[0, 1].astype(int).tolist())

    def test_grouping_keeps_every_row_once_within_the_budget(self):
        rng = random.Random(3)
        rows = [pk.Row(np.zeros(rng.randrange(2, 300), np.int32), [(1, [1] * rng.randrange(1, 9), [1], True)])
                for _ in range(200)]
        groups = pk.group_rows(rows, 1024, 16)
        self.assertEqual(sorted(map(id, rows)), sorted(id(r) for g in groups for r in g))
        for g in groups:
            self.assertLessEqual(pk.padded_size(g, 16), 1024)
            self.assertEqual(pk.padded_size(g, 16), pk.Batch(g, 1.0, 16).ids.size)
        lone = pk.group_rows([pk.Row(np.zeros(2000, np.int32), [])], 1024, 16)
        self.assertEqual(1, len(lone), "a row longer than the budget makes a batch of its own")

    def test_a_row_keeps_the_queries_within_the_cap_and_draws_copies_from_their_window(self):
        s = pk.Session("s", np.arange(100, dtype=np.int32), [
            pk.Query(40, [5], [6, 1], True, np.array([10, 20, 30], np.int32), None),
            pk.Query(90, [7], [1], False, np.array([50, 60], np.int32), None)])
        row = pk.row_of(s, 64, 2, random.Random(1))
        self.assertEqual(64, len(row.ctx))
        self.assertEqual(40, row.segments[0][0])
        self.assertEqual(3, len(row.segments), "the query at 90 lies beyond the cap, with its copies")
        self.assertTrue({n for n, _, _, _ in row.segments[1:]} <= {10, 20, 30})
        self.assertEqual(2 + 3 + 2, len(pk.row_of(s, 100, 5, random.Random(1)).segments), "no more copies than places")
        self.assertEqual(2, len(pk.row_of(s, 100, 0, random.Random(1)).segments))
        again = pk.row_of(s, 64, 2, random.Random(1))
        self.assertEqual([x[0] for x in row.segments], [x[0] for x in again.segments], "reproducible from the rng")

    def test_rows_come_from_the_pools_by_their_shares(self):
        short = [pk.Session("s", np.zeros(10, np.int32), [])]
        long = [pk.Session("l", np.zeros(1000, np.int32), [])]
        only_short = pk.draw_rows([(1.0, short), (0.0, long)], 512, 100, 0, random.Random(2))
        self.assertEqual({10}, {len(r.ctx) for r in only_short})
        self.assertEqual(10, len(only_short))
        capped = pk.draw_rows([(0.0, short), (1.0, long)], 512, 1000, 0, random.Random(2))
        self.assertEqual({512}, {len(r.ctx) for r in capped})
        mixed = pk.draw_rows([(0.5, short), (0.5, long)], 2000, 200000, 0, random.Random(2))
        self.assertAlmostEqual(0.5, sum(len(r.ctx) == 10 for r in mixed) / len(mixed), delta=0.1)
        self.assertEqual(len(mixed), len(pk.draw_rows([(0.5, short), (0.5, long)], 2000, 200000, 0, random.Random(2))))

    def test_the_schedule(self):
        self.assertEqual(1024, pk.cap_at(0.0, 1024, 16384, 0.6))
        self.assertEqual(4096, pk.cap_at(0.3, 1024, 16384, 0.6))
        self.assertEqual(16384, pk.cap_at(0.6, 1024, 16384, 0.6))
        self.assertEqual(16384, pk.cap_at(0.9, 1024, 16384, 0.6))
        self.assertEqual(800, pk.cap_at(0.1, 1024, 800, 0.6), "never beyond the longest session")
        self.assertAlmostEqual(0.9, pk.short_share(0.0, 0.9, 0.25, 0.6))
        self.assertAlmostEqual(0.25, pk.short_share(0.6, 0.9, 0.25, 0.6))
        self.assertAlmostEqual(0.25, pk.short_share(1.0, 0.9, 0.25, 0.6))
        self.assertAlmostEqual(2e-3 / 100, pk.lr_at(0.0, 0, 2e-3, 1e-4, 100), msg="warmup starts small")
        self.assertAlmostEqual(2e-3, pk.lr_at(0.0, 99, 2e-3, 1e-4, 100))
        self.assertAlmostEqual(1.05e-3, pk.lr_at(0.5, 500, 2e-3, 1e-4, 100))
        self.assertAlmostEqual(1e-4, pk.lr_at(1.0, 900, 2e-3, 1e-4, 100))
        self.assertAlmostEqual(1e-4 / 2, pk.lr_at(1.0, 49, 2e-3, 1e-4, 100), msg="a resumed call warms up again")


class EncodeTest(unittest.TestCase):
    EVENTS = [{"type": "turn", "role": "user", "text": "My locker number is 12."},   # 23 characters
              {"type": "turn", "role": "assistant", "text": "Ok."},
              {"type": "turn", "role": "user", "text": "Nice day."},
              {"type": "query", "text": "Locker?", "expected": "12", "question_type": "single", "depth": 0.0},
              {"type": "turn", "role": "user", "text": "Bye."},
              {"type": "query", "text": "Sister?", "expected": "I don't know", "question_type": "not_stated"}]

    def test_sessions_encode_as_the_stream_with_copy_places(self):
        tok = CharTokenizer()
        for echo in (0.0, 1.0):
            [s] = pk.encode_sessions(tok, [("a", self.EVENTS)], echo, 1, copies=2)
            ctx_text = "".join(p[1] for p in cs.pieces(self.EVENTS, echo_answers=echo > 0) if p[0] != "query")
            self.assertEqual([0] + tok.encode(ctx_text), s.ctx.tolist())
            first, second = s.queries
            self.assertEqual(tok.encode("<|user|>Locker?<|end|><|assistant|>"), first.prompt.tolist())
            self.assertEqual(tok.encode("12<|end|>"), first.answer.tolist())
            self.assertTrue(first.is_value)
            self.assertFalse(second.is_value)
            turns = [1 + len(tok.encode(cs.turn_text(None, ("user", "My locker number is 12."))))]
            turns.append(turns[-1] + len(tok.encode("<|assistant|>Ok.<|end|>")))
            turns.append(turns[-1] + len(tok.encode("<|user|>Nice day.<|end|>")))
            self.assertEqual(turns[2], first.n)
            # the fact is in event 0; one event of slack: a copy may come after event 1, not after event 0 alone
            self.assertEqual([turns[1]], first.window.tolist())
            # nothing stated holds from the first event on, up to (not at) the query itself
            places = second.window.tolist()
            self.assertEqual(turns, places[:3])
            self.assertTrue(all(n < second.n for n in places))
            self.assertEqual(4 if echo else 3, len(places), "the echoed answer is a place too")
        [plain] = pk.encode_sessions(tok, [("a", self.EVENTS)], 0.0, 1, copies=0)
        self.assertEqual([0, 0], [len(q.window) for q in plain.queries])


if __name__ == "__main__":
    unittest.main()
