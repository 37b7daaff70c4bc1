"""Makes the llama-wide-bf16 reference model: heads of 64, wide enough for the CPU runtime's packed bf16 attention.

Run where torch and transformers exist (the GPU machine), with the fixtures' make_reference.py at hand:
    python3 make_llama_wide_bf16.py PATH/TO/make_reference.py OUT_DIR
It builds, saves and checks the model with make_reference.py's own recipe (float64 reference logits of the model
reloaded from its files, chunked-vs-full check, greedy continuation), then writes config.v4.json, the same model
in the transformers 4.x keys.
"""
import json
import os
import sys

script, out_root = sys.argv[1], sys.argv[2]
source = open(script).read()
# make_reference.py's definitions end where its own model list begins
sys.argv = [script, out_root]
exec(source[:source.index("\nL3 = dict(")])

make("llama-wide-bf16",
     LlamaConfig(vocab_size=384, hidden_size=128, intermediate_size=256, num_hidden_layers=2, num_attention_heads=8,
                 num_key_value_heads=2, head_dim=64, max_position_embeddings=1024, rope_theta=500000.0, rms_norm_eps=1e-5,
                 tie_word_embeddings=True),
     LlamaForCausalLM, 200, torch.bfloat16, 71)

path = os.path.join(out_root, "llama-wide-bf16")
config = json.load(open(os.path.join(path, "config.json")))
rope = config.pop("rope_parameters")
config["rope_theta"] = rope["rope_theta"]
if rope.get("rope_type", "default") != "default":
    config["rope_scaling"] = {k: v for k, v in rope.items() if k != "rope_theta"}
config["torch_dtype"] = config.pop("dtype")
json.dump(config, open(os.path.join(path, "config.v4.json"), "w"), indent=2)
print(json.dumps(config, indent=1))
