#!/usr/bin/env bash
# Builds .device-carry/ for training/run-on-device.sh: a small Java runtime (the GPU machine has none) and the few
# jars that run `longstream conversations` there (the CLI, the generator, picocli, Jackson; no Flink, no Kafka).
# Usage, from the repository root: training/prepare-carry.sh [MODEL_DIR [STATE_DIR]]
#   MODEL_DIR: a model folder to resume from, copied in: models/longstream-demo (the shipped model), or the model/
#              folder an earlier run returned.
#   STATE_DIR: where that model's train_state.json is when MODEL_DIR has none (default training/checkpoint, which keeps
#              the shipped model's; a returned model/ folder holds its own).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/.device-carry"
cd "$root"
rm -rf "$out"
mkdir -p "$out/jars"
./mvnw -B -q -ntp -pl jobs -am -DskipTests package
cp jobs/target/jobs-0.1.0-SNAPSHOT.jar conversations/target/conversations-0.1.0-SNAPSHOT.jar \
   inference-udf/target/inference-udf-0.1.0-SNAPSHOT.jar "$out/jars/"
tr ':' '\n' < jobs/target/classpath.txt | grep -E '/(picocli|jackson-core|jackson-databind|jackson-annotations)-[0-9.]+\.jar$' \
  | xargs -I{} cp {} "$out/jars/"
../shared/tools/device-jre.sh "$out" >/dev/null
if [[ $# -ge 1 ]]; then
  state="$1/train_state.json"
  [[ -f "$state" ]] || state="${2:-training/checkpoint}/train_state.json"
  if [[ ! -f "$state" ]]; then
    echo "prepare-carry: no train_state.json in $1 or ${2:-training/checkpoint}: nothing to resume from" >&2
    exit 1
  fi
  mkdir -p "$out/resume"
  for f in config.json generation_config.json model.safetensors tokenizer.json tokenizer_config.json; do
    cp "$1/$f" "$out/resume/"
  done
  cp "$state" "$out/resume/"
fi
du -sh "$out"
ls -la "$out" "$out/jars"
