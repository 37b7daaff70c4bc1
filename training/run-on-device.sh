#!/usr/bin/env bash
# Everything on the GPU machine in one call: unpack the carried JRE, generate conversations with the Java generator
# (long training sessions, short question-dense training sessions, held-out sessions: three seeds, in parallel), train,
# export, check against transformers, evaluate. Writes into $OUT:
#   model/{config.json,generation_config.json,model.safetensors,tokenizer.json,tokenizer_config.json,train_state.json}
#   metrics.json, train.log            (8 files, each under 16 MiB)
# Run from the repository root with .device-carry/ built by training/prepare-carry.sh. When .device-carry/resume/
# holds a model folder and its train_state.json (prepare-carry.sh MODEL_DIR: models/longstream-demo, whose state is in
# training/checkpoint, or the model/ folder of an earlier call), training resumes from it.
# The whole script ends MARGIN_S (25) seconds before DEVICE_LIMIT_S (600, the device command's limit) from its start:
# training gets what is left after data and encoding, less the time export, check and evaluation need
# (train_demo_model.py --end-at).
# Environment: TRAIN_SESSIONS (6000), TRAIN_SEED (1), SHORT_SESSIONS (12000), SHORT_SEED (3), SHORT_WORDS ("200 800":
# min and max words), HELDOUT_SEED (2), HELDOUT_SESSIONS (120), DEVICE_LIMIT_S, MARGIN_S, and TRAIN_ARGS, passed on to
# train_demo_model.py (e.g. "--copies 3 --answer-weight 8").
set -euo pipefail
carry=.device-carry
out="${OUT:?OUT must name the folder for the results}"
work=/tmp/longstream-training
end_at=$(( $(date +%s) + ${DEVICE_LIMIT_S:-600} - ${MARGIN_S:-25} ))
# fewer, larger blocks of GPU memory as batch shapes change from step to step
export PYTORCH_CUDA_ALLOC_CONF="${PYTORCH_CUDA_ALLOC_CONF:-expandable_segments:True}"
mkdir -p "$work"
[[ -x "$work/jre/bin/java" ]] || tar xzf "$carry/jre.tgz" -C "$work"
java=("$work/jre/bin/java" --add-modules jdk.incubator.vector -cp "$carry/jars/*" io.longstream.jobs.cli.ConversationsCommand)
read -r short_min short_max <<< "${SHORT_WORDS:-200 800}"
pids=()
if [[ ! -s "$work/train.jsonl" ]]; then
  "${java[@]}" --seed "${TRAIN_SEED:-1}" --sessions "${TRAIN_SESSIONS:-6000}" --out "$work/train.jsonl" & pids+=($!)
fi
if [[ ! -s "$work/short.jsonl" ]]; then
  "${java[@]}" --seed "${SHORT_SEED:-3}" --sessions "${SHORT_SESSIONS:-12000}" --min-words "$short_min" \
    --max-words "$short_max" --out "$work/short.jsonl" & pids+=($!)
fi
if [[ ! -s "$work/heldout.jsonl" ]]; then
  "${java[@]}" --seed "${HELDOUT_SEED:-2}" --sessions "${HELDOUT_SESSIONS:-120}" --out "$work/heldout.jsonl" &
  pids+=($!)
fi
for pid in "${pids[@]}"; do
  wait "$pid"  # a generator that failed stops the script here (set -e)
done
echo "conversations ready after ${SECONDS}s"
resume=()
[[ -f "$carry/resume/train_state.json" ]] && resume=(--resume "$carry/resume")
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
python3 training/train_demo_model.py --train "$work/train.jsonl" --short-train "$work/short.jsonl" \
  --heldout "$work/heldout.jsonl" --out "$out" --end-at "$end_at" "${resume[@]}" ${TRAIN_ARGS:-}
ls -la "$out" "$out/model"
