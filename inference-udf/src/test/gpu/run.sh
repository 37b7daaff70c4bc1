#!/usr/bin/env bash
# The GPU test suite and the first timings of the CUDA backend, in one call on a GPU machine with no Java and no Maven,
# from the folder prepare-carry.sh packed (this script sits in it), run from the repository's root. Prints the tests'
# tree, a summary line "N passed, N failed", the timings table, the kernels' times under Nsight Compute where ncu is
# installed, and `bench recall` on the demo model with --backend cuda and then cpu, on the same conversations.
# Exit status: 0 only when every GPU test passed and both recall runs did (a missing GPU fails them:
# LONGSTREAM_REQUIRE_GPU=1). LONGSTREAM_GPU_TIMINGS=0 skips the timings, LONGSTREAM_GPU_RECALL=0 the recall runs;
# LONGSTREAM_GPU_RECALL_BACKENDS=cuda runs recall on the GPU only (to compare with a CPU run recorded before).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="${TMPDIR:-/tmp}/longstream-gpu"
mkdir -p "$work"
python3 -c "import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])" "$here/jre.txz" "$work"
java="$work/jre/bin/java"
# the test models come from the repository's copy (prepare-carry.sh leaves them out of the tests jar)
cp="$(ls "$here"/lib/*.jar | tr '\n' ':')$here/../../inference-udf/src/test/resources"
export LONGSTREAM_REQUIRE_GPU=1
export LONGSTREAM_BENCH_MODEL_DIR="$work/bench"
mkdir -p "$LONGSTREAM_BENCH_MODEL_DIR"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || true
"$java" --add-modules jdk.incubator.vector -Xmx48g -jar "$here"/junit-platform-console-standalone-*.jar execute \
    --class-path "$cp" --select-package io.longstream.inference.cuda --config jqwik.database="$work/jqwik-database" \
    --details=tree --disable-banner \
    --disable-ansi-colors 2>&1 | tee "$work/tests.log"
passed="$(grep -oE '[0-9]+ tests successful' "$work/tests.log" | grep -oE '^[0-9]+' || echo 0)"
failed="$(grep -oE '[0-9]+ tests failed' "$work/tests.log" | grep -oE '^[0-9]+' || echo 0)"
aborted="$(grep -oE '[0-9]+ tests aborted' "$work/tests.log" | grep -oE '^[0-9]+' || echo 0)"
failed=$((failed + aborted))
echo "$passed passed, $failed failed"
if [ "${LONGSTREAM_GPU_TIMINGS:-1}" = 1 ]; then
    "$java" --add-modules jdk.incubator.vector -Xmx48g -cp "$cp" io.longstream.inference.cuda.CudaTimings "$work/bench"
    if command -v ncu >/dev/null; then
        ncu --clock-control none --metrics gpu__time_duration.sum --print-summary per-kernel \
            "$java" --add-modules jdk.incubator.vector -Xmx48g -cp "$cp" io.longstream.inference.cuda.CudaTimings \
            "$work/bench" --profile 2>&1 | awk '
                / Invocations / { name = substr($0, 3, index($0, ", Device") - 3); n = $NF }
                /gpu__time_duration.sum/ { printf "%-52s x%-5s avg %s %s (min %s, max %s)\n", name, n, $NF, $2, $3, $4 }'

    fi
fi
recall=0
if [ "${LONGSTREAM_GPU_RECALL:-1}" = 1 ]; then
    # the policies at 20% of the mean conversation (kept K = 855 of 4,275 tokens, one chunk of 213), as bench recall --all
    # sizes them for these 20 conversations; epicache needs the segment encoder, which is not carried
    for backend in ${LONGSTREAM_GPU_RECALL_BACKENDS:-cuda cpu}; do
        for policy in full window:budget=1068 sinks:budget=1068 lacache:budget=1068; do
            "$java" --add-modules jdk.incubator.vector -Xmx16g -cp "$cp" io.longstream.jobs.cli.LongstreamCli bench recall \
                --model models/longstream-demo --backend "$backend" --policy "$policy" --chunk 213 --sessions 20 --json \
                2>"$work/recall.err" | sed "s/^/recall $backend /" || { cat "$work/recall.err"; recall=1; }
        done
    done
fi
[ "$failed" = 0 ] && [ "$passed" -gt 0 ] && [ "$recall" = 0 ]
