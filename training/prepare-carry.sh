#!/usr/bin/env bash
# Builds .device-carry/ for training/run-on-device.sh: a small Java runtime (the GPU machine has none) and the few
# jars that run `longstream conversations` there (the CLI, the generator, picocli, Jackson; no Flink, no Kafka).
# Usage, from the repository root: training/prepare-carry.sh [RESUME_DIR]
#   RESUME_DIR: a model folder that an earlier run returned (with its train_state.json), copied in to resume from.
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
  mkdir -p "$out/resume"
  cp "$1"/* "$out/resume/"
fi
du -sh "$out"
ls -la "$out" "$out/jars"
