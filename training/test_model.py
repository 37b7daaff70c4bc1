"""Tests of the model's query overlay (needs torch; CPU is enough): python3 -m unittest training/test_model.py"""
import os
import sys
import unittest

import numpy as np

try:
    import torch
except ImportError:
    torch = None

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import packing as pk  # noqa: E402

if torch is not None:
    import train_demo_model as tdm  # noqa: E402

CONFIG = {"vocab_size": 300, "hidden_size": 64, "intermediate_size": 96, "num_hidden_layers": 2,
          "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16, "rms_norm_eps": 1e-5,
          "rope_parameters": {"rope_theta": 10000.0, "rope_type": "default"}}


@unittest.skipIf(torch is None, "torch is not installed")
class OverlayTest(unittest.TestCase):
    def test_each_query_sees_what_the_runtime_scratch_shows_it(self):
        torch.manual_seed(0)
        model = tdm.Llama(CONFIG).eval()
        rng = np.random.default_rng(1)
        rows = [pk.Row(rng.integers(5, 300, 70).astype(np.int32),
                       [(30, [7, 8, 9], [10, 1], True), (70, [11], [12, 1], True), (1, [13, 14], [1], False)]),
                pk.Row(rng.integers(5, 300, 20).astype(np.int32), [(20, [15, 16], [17, 18, 1], True)])]
        batch = pk.Batch(rows, 1.0, 16)
        t = tdm.to_device(batch, torch.device("cpu"), None)
        with torch.no_grad():
            h = model(t["ids"], t["pos"], batch.t, t["allowed"])
            for i, row in enumerate(rows):
                c = len(row.ctx)
                alone = model(torch.tensor(row.ctx[None], dtype=torch.long), torch.arange(c)[None], c)
                torch.testing.assert_close(h[i, :c], alone[0], msg="queries leave no trace in the context")
                start = batch.t
                for n, prompt, answer, _ in row.segments:
                    seq = list(row.ctx[:n]) + list(prompt) + list(answer)
                    ref = model(torch.tensor([seq]), torch.arange(len(seq))[None], len(seq))[0, n:]
                    torch.testing.assert_close(h[i, start:start + len(ref)], ref, rtol=1e-4, atol=1e-4,
                                               msg="a query is its context's first n tokens and itself, causal")
                    start += len(ref)

    def test_kv_heads_are_shared_as_transformers_repeat_kv(self):
        torch.manual_seed(0)
        attn = tdm.Attention(CONFIG)
        x = torch.randn(1, 5, 64)
        zero, one = torch.zeros(1, 1, 5, 16), torch.ones(1, 1, 5, 16)
        out = attn(x, one, zero, 5, None)
        q = attn.q_proj(x).view(1, 5, 4, 16).transpose(1, 2)
        k = attn.k_proj(x).view(1, 5, 2, 16).transpose(1, 2).repeat_interleave(2, dim=1)
        v = attn.v_proj(x).view(1, 5, 2, 16).transpose(1, 2).repeat_interleave(2, dim=1)
        ref = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
        torch.testing.assert_close(out, attn.o_proj(ref.transpose(1, 2).reshape(1, 5, 64)))


if __name__ == "__main__":
    unittest.main()
