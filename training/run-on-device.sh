#!/usr/bin/env bash
# Everything on the GPU machine in one call: unpack the carried JRE, generate conversations with the Java generator
# (training seed and a held-out seed), train, export, check against transformers, evaluate. Writes into $OUT:
#   model/{config.json,generation_config.json,model.safetensors,tokenizer.json,tokenizer_config.json,train_state.json}
#   metrics.json, train.log            (8 files, each under 16 MiB)
# Run from the repository root with .device-carry/ built by training/prepare-carry.sh. When .device-carry/resume/
# holds a model folder from an earlier call, training resumes from it.
# Environment: TRAIN_SESSIONS (6000), TRAIN_SEED (1), HELDOUT_SEED (2), HELDOUT_SESSIONS (120), and TRAIN_ARGS, passed
# on to train_demo_model.py (e.g. "--steps 800 --train-minutes 6.5").
set -euo pipefail
carry=.device-carry
out="${OUT:?OUT must name the folder for the results}"
work=/tmp/longstream-training
mkdir -p "$work"
[[ -x "$work/jre/bin/java" ]] || tar xzf "$carry/jre.tgz" -C "$work"
java=("$work/jre/bin/java" --add-modules jdk.incubator.vector -cp "$carry/jars/*" io.longstream.jobs.cli.ConversationsCommand)
if [[ ! -s "$work/train.jsonl" ]]; then
  "${java[@]}" --seed "${TRAIN_SEED:-1}" --sessions "${TRAIN_SESSIONS:-6000}" --out "$work/train.jsonl"
fi
if [[ ! -s "$work/heldout.jsonl" ]]; then
  "${java[@]}" --seed "${HELDOUT_SEED:-2}" --sessions "${HELDOUT_SESSIONS:-120}" --out "$work/heldout.jsonl"
fi
resume=()
[[ -f "$carry/resume/train_state.json" ]] && resume=(--resume "$carry/resume")
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
python3 training/train_demo_model.py --train "$work/train.jsonl" --heldout "$work/heldout.jsonl" --out "$out" \
  "${resume[@]}" ${TRAIN_ARGS:-}
ls -la "$out" "$out/model"
