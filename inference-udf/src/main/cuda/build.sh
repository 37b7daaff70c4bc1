#!/usr/bin/env bash
# Compiles kernels.cu into the fatbin that the CUDA backend loads (sm_80, sm_90, sm_90a machine code and compute_90 PTX
# for later GPUs). Run by Maven (inference-udf's pom) with the output folder; where nvcc is absent it says so and the
# build goes on without kernels: --backend cuda then fails with one line saying why.
# NVCC names the compiler (default: nvcc on the PATH, else /usr/local/cuda/bin/nvcc).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$1/io/longstream/inference/cuda"
nvcc="${NVCC:-$(command -v nvcc || true)}"
[ -z "$nvcc" ] && [ -x /usr/local/cuda/bin/nvcc ] && nvcc=/usr/local/cuda/bin/nvcc
if [ -z "$nvcc" ]; then
    echo "[cuda] nvcc not found: building without CUDA kernels (--backend cuda will be unavailable)"
    exit 0
fi
mkdir -p "$out"
if [ "$out/kernels.fatbin" -nt "$here/kernels.cu" ] && [ "$out/kernels.fatbin" -nt "$0" ]; then
    exit 0
fi
echo "[cuda] $("$nvcc" --version | tail -1): compiling kernels.cu"
"$nvcc" -O3 -std=c++17 -fatbin \
    -gencode arch=compute_80,code=sm_80 \
    -gencode arch=compute_90,code=sm_90 \
    -gencode arch=compute_90a,code=sm_90a \
    -gencode arch=compute_90,code=compute_90 \
    -o "$out/kernels.fatbin.tmp" "$here/kernels.cu"
mv "$out/kernels.fatbin.tmp" "$out/kernels.fatbin"
