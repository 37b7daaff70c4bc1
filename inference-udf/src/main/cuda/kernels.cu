// Longstream's CUDA kernels: the forward pass of a Llama-family decoder over a batch of session steps.
//
// Every kernel is deterministic and batch invariant: no float atomics, and every reduction runs in an order fixed
// by the shapes of the model and of the one row it serves (its cache's slot count), never by how many rows or which
// neighbours share the launch. So a session's bits do not depend on the batch it ran in, as on the CPU backend.
// Activations are f32 row-major [rows][width]; weights keep their file dtype (f32, bf16, f16).
//
// Version notes (as llm.c keeps them; timings in docs/cuda.md):
// v1 (issue 16) correctness first: SIMT matrix products (64x64 tiles, each output one fma chain over k in order);
//    attention one warp per (row, query head), 32 slots per step of an online softmax; RoPE of cached pre-RoPE keys
//    on the fly from a cos/sin table computed in double. On the H200 (1B-shaped bf16 model): prefill 1,215 tok/s
//    (the 8192x2048x8192 product at 21.5 TFLOP/s), decode 19 tok/s at batch 1 (the 64-row tiles leave most SMs idle).
// v2 16x16 tiles for products of at most 16 rows (decode), the same chain per output. H200: decode 56 tok/s at
//    batch 1, 596 at batch 16; the products of a decode step are latency-bound (85 us for a 512x2048 one).
// v3 bf16 weights on the tensor cores (matmul_mma_bf16, one kernel for every row count); f32 and f16 weights keep
//    the SIMT kernels (f16 activations could overflow an f16 split). First as one warp per 16 rows x 64 columns:
//    right, but decode fell to 12.7 tok/s (429 us for a 512x2048 product: 8 warps on the whole GPU) and prefill
//    stayed at 1,161 tok/s (12.5 ms for 8192x2048x8192: loads straight from global memory, one warp per block).
// v3.1 one warp per 16 rows x 8 columns, four to a block, the k loop unrolled by 4. H200: decode 62.7 tok/s at
//    batch 1 (a 512x2048 product in 106 us), 595 at batch 16; prefill 1,003 tok/s, of which attention takes 70%
//    (71 ms per layer for 8192 rows over 512-slot caches). Tables in docs/cuda.md.
// v4 attention in blocks of up to 16 rows of one step x the query heads of one KV head, each tile of 32 slots staged
//    once per block in shared memory (keys dequantised and rotated once, not once per lane per query head); the
//    rotation is rounded without fused contraction so the observers' scores stay bit-equal. H200: attention over
//    512-slot caches 71 -> 7.05 ms for 8192 rows, 408 -> 327 us for one decode row; prefill 1,003 -> 2,550 tok/s at
//    batch 1, 1,185 -> 2,751 at batch 16; decode 62.2 tok/s at batch 1 (an 8-block launch: latency-bound), 607 at 16.
// v5 bf16 products in splits of 256 of k, summed in order: a decode row's products run one warp per split (up to
//    8x the warps of v4), and a weight pair is one 32-bit load. H200: a 512x2048 product for one row 106 -> 17 us
//    (plus 3.5 us to sum the splits); decode 62.2 -> 208 tok/s at batch 1, 607 -> 828 at 16; prefill 3,291 tok/s at
//    batch 16 (its 8192x2048x8192 products 28 -> 22.8 ms), 2,207 at batch 1 (2,550 in v4's run, though no kernel
//    of it got slower under ncu).
// v6 attention's softmax in parts of 64 slots, folded in order (flash-decoding's split, fixed by the span): blocks
//    with rows enough run a head's parts in turn, and a decode pass runs one block per part, then folds. H200: a
//    decode row's attention 319 -> 47 + 6.5 us (8 blocks -> 72); decode 208 -> 221 tok/s at batch 1, 828 -> 943 at
//    16. The fold costs prefill: attention for 8192 rows 7.05 -> 8.04 ms (11.0 before __launch_bounds__ held the
//    kernel to 64 registers, two blocks of 512 threads per SM); prefill 2,693 tok/s at batch 1, 2,869 at 16.

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <stdint.h>
#include <limits.h>

#define FREE_POSITION 0x7fffffff

__device__ __forceinline__ float load_f(const float* p, long i) { return p[i]; }
__device__ __forceinline__ float load_f(const __nv_bfloat16* p, long i) { return __bfloat162float(p[i]); }
__device__ __forceinline__ float load_f(const __half* p, long i) { return __half2float(p[i]); }

// ---------------------------------------------------------------------------------------------------------------
// Embedding gather: out[r][:] = table[tokens[r]][:] as floats. grid (rows), block 256.
template <typename T>
__device__ void embed(const T* table, const int* tokens, int hidden, float* out) {
    long r = blockIdx.x;
    const T* row = table + (long) tokens[r] * hidden;
    for (int i = threadIdx.x; i < hidden; i += blockDim.x) {
        out[r * hidden + i] = load_f(row, i);
    }
}
extern "C" __global__ void embed_f32(const float* t, const int* tok, int hidden, float* out) { embed(t, tok, hidden, out); }
extern "C" __global__ void embed_bf16(const __nv_bfloat16* t, const int* tok, int hidden, float* out) { embed(t, tok, hidden, out); }
extern "C" __global__ void embed_f16(const __half* t, const int* tok, int hidden, float* out) { embed(t, tok, hidden, out); }

// ---------------------------------------------------------------------------------------------------------------
// Sum over a block of exactly 256 threads in a fixed tree: strided partials, a butterfly in each warp, then the
// eight warp sums in order. Every thread gets the result.
__device__ float block_sum_256(float v, float* shared8) {
    for (int m = 16; m > 0; m >>= 1) {
        v += __shfl_xor_sync(0xffffffffu, v, m);
    }
    int warp = threadIdx.x >> 5;
    if ((threadIdx.x & 31) == 0) {
        shared8[warp] = v;
    }
    __syncthreads();
    float total = 0.f;
    for (int w = 0; w < 8; w++) {
        total += shared8[w];
    }
    __syncthreads();
    return total;
}

// out[r] = w ⊙ x[r] / sqrt(mean(x[r]²) + eps). grid (rows), block 256.
extern "C" __global__ void rms_norm(const float* x, const float* w, float eps, int dim, float* out) {
    __shared__ float partial[8];
    long base = (long) blockIdx.x * dim;
    float ss = 0.f;
    for (int i = threadIdx.x; i < dim; i += 256) {
        ss = fmaf(x[base + i], x[base + i], ss);
    }
    ss = block_sum_256(ss, partial);
    float inv = (float) (1.0 / sqrt((double) (ss / dim) + (double) eps));
    for (int i = threadIdx.x; i < dim; i += 256) {
        out[base + i] = w[i] * (x[base + i] * inv);
    }
}

// ---------------------------------------------------------------------------------------------------------------
// y[n][N] = x[n][K] · W[N][K]ᵀ. 64x64 output tiles, 256 threads of 4x4 outputs, k in steps of 16 through shared
// memory; each output is one fma chain over k = 0..K-1 in order, so its bits depend on neither n nor the tile.
// grid (ceil(N/64), ceil(n/64)), block 256.
template <typename T>
__device__ void matmul(const float* x, const T* W, int n, int N, int K, float* y) {
    __shared__ float xs[16][64 + 1];
    __shared__ float ws[16][64 + 1];
    int tx = threadIdx.x & 15;  // output column group
    int ty = threadIdx.x >> 4;  // row group
    int row0 = blockIdx.y * 64;
    int col0 = blockIdx.x * 64;
    float acc[4][4];
    for (int i = 0; i < 4; i++) {
        for (int j = 0; j < 4; j++) {
            acc[i][j] = 0.f;
        }
    }
    for (int k0 = 0; k0 < K; k0 += 16) {
        // each thread loads 4 of the 64x16 x tile and 4 of the 64x16 W tile (zeros past the edges)
        for (int e = threadIdx.x; e < 64 * 16; e += 256) {
            int r = e >> 4;
            int kk = e & 15;
            int gr = row0 + r;
            int gk = k0 + kk;
            xs[kk][r] = (gr < n && gk < K) ? x[(long) gr * K + gk] : 0.f;
            int gc = col0 + r;
            ws[kk][r] = (gc < N && gk < K) ? load_f(W, (long) gc * K + gk) : 0.f;
        }
        __syncthreads();
        int kEnd = min(16, K - k0);
        for (int kk = 0; kk < kEnd; kk++) {
            float a[4], b[4];
            for (int i = 0; i < 4; i++) {
                a[i] = xs[kk][ty + 16 * i];
                b[i] = ws[kk][tx + 16 * i];
            }
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 4; j++) {
                    acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
                }
            }
        }
        __syncthreads();
    }
    for (int i = 0; i < 4; i++) {
        int r = row0 + ty + 16 * i;
        if (r >= n) {
            continue;
        }
        for (int j = 0; j < 4; j++) {
            int c = col0 + tx + 16 * j;
            if (c < N) {
                y[(long) r * N + c] = acc[i][j];
            }
        }
    }
}
extern "C" __global__ void matmul_f32(const float* x, const float* W, int n, int N, int K, float* y) { matmul(x, W, n, N, K, y); }
extern "C" __global__ void matmul_f16(const float* x, const __half* W, int n, int N, int K, float* y) { matmul(x, W, n, N, K, y); }

// The same products for at most 16 rows (decode batches): 16x16 output tiles, one output per thread, k in steps of
// 64 through shared memory, so a 2048-wide layer spreads over 128 blocks instead of 32. Each output is the same fma
// chain over k in order as in matmul, so the bits do not depend on which of the two kernels ran.
// grid (ceil(N/16), ceil(n/16)), block 256.
template <typename T>
__device__ void matmul_small(const float* x, const T* W, int n, int N, int K, float* y) {
    __shared__ float xs[16][64 + 1];
    __shared__ float ws[16][64 + 1];
    int r = threadIdx.x >> 4;
    int c = threadIdx.x & 15;
    int row0 = blockIdx.y * 16;
    int col0 = blockIdx.x * 16;
    float acc = 0.f;
    for (int k0 = 0; k0 < K; k0 += 64) {
        for (int e = threadIdx.x; e < 16 * 64; e += 256) {
            int i = e >> 6;
            int kk = e & 63;
            int gk = k0 + kk;
            xs[i][kk] = (row0 + i < n && gk < K) ? x[(long) (row0 + i) * K + gk] : 0.f;
            ws[i][kk] = (col0 + i < N && gk < K) ? load_f(W, (long) (col0 + i) * K + gk) : 0.f;
        }
        __syncthreads();
        int kEnd = min(64, K - k0);
        for (int kk = 0; kk < kEnd; kk++) {
            acc = fmaf(xs[r][kk], ws[c][kk], acc);
        }
        __syncthreads();
    }
    if (row0 + r < n && col0 + c < N) {
        y[(long) (row0 + r) * N + col0 + c] = acc;
    }
}
extern "C" __global__ void matmul_small_f32(const float* x, const float* W, int n, int N, int K, float* y) { matmul_small(x, W, n, N, K, y); }
extern "C" __global__ void matmul_small_f16(const float* x, const __half* W, int n, int N, int K, float* y) { matmul_small(x, W, n, N, K, y); }

// ---------------------------------------------------------------------------------------------------------------
// bf16 weights on the tensor cores: y[n][N] = x[n][K] · W[N][K]ᵀ with mma.sync m16n8k16 (bf16 inputs, f32
// accumulation). The f32 activations are split into two bf16 terms, x = hi + lo (hi = bf16(x), lo = bf16(x − hi),
// about 16 significant bits together), and each k-step of 16 accumulates W·hi then W·lo: every product is exact in
// f32 and the result is within ~1e-6 of the f32 product. k runs in splits of SPLIT_K: each split's k-steps chain in
// order from zero, and the splits' sums are added in order, p0 + p1 + ... So every output's order is fixed by K
// alone, the same instructions whatever the row count or the row's place in its tile (the tensor core sums each
// output on its own): a row's bits do not depend on the batch. Two launches give those bits: matmul_mma_bf16, one
// warp per 16 rows x 8 columns running every split in turn (many rows: enough warps), and matmul_mma_bf16_split,
// one warp per split writing its sum, then sum_splits (few rows: K/SPLIT_K times the warps).
#define SPLIT_K 256
__device__ __forceinline__ float x_at(const float* x, int r, int k, int n, int K) {
    return (r < n && k < K) ? x[(long) r * K + k] : 0.f;
}

__device__ __forceinline__ unsigned w_pair(const unsigned short* W, int col, int k, int N, int K) {
    if (col >= N) {
        return 0u;
    }
    const unsigned short* row = W + (long) col * K;
    if ((K & 1) == 0 && k + 1 < K) {
        return *(const unsigned*) (row + k);  // k is even, so with K even the pair is one aligned word
    }
    unsigned low = k < K ? row[k] : 0u;
    unsigned high = k + 1 < K ? row[k + 1] : 0u;
    return low | (high << 16);
}

// packs two floats split into bf16 hi and lo terms: element e0 in the low half, e1 in the high half
__device__ __forceinline__ void split_pair(float e0, float e1, unsigned& hi, unsigned& lo) {
    __nv_bfloat16 h0 = __float2bfloat16_rn(e0);
    __nv_bfloat16 h1 = __float2bfloat16_rn(e1);
    __nv_bfloat16 l0 = __float2bfloat16_rn(e0 - __bfloat162float(h0));
    __nv_bfloat16 l1 = __float2bfloat16_rn(e1 - __bfloat162float(h1));
    hi = (unsigned) *reinterpret_cast<unsigned short*>(&h0) | ((unsigned) *reinterpret_cast<unsigned short*>(&h1) << 16);
    lo = (unsigned) *reinterpret_cast<unsigned short*>(&l0) | ((unsigned) *reinterpret_cast<unsigned short*>(&l1) << 16);
}

__device__ __forceinline__ void mma_bf16(float* c, const unsigned* a, unsigned b0, unsigned b1) {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
        : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// The warp's tile: rows rA = 16·tileRow + g and rB = rA + 8, columns col0 + 2t and + 1 (g = lane / 4, t = lane % 4).
struct MmaTile {
    int g, t, rA, rB, col0;
};

__device__ __forceinline__ MmaTile mma_tile(int tileRow) {
    MmaTile m;
    int lane = threadIdx.x & 31;
    m.g = lane >> 2;  // the fragment's row (A, C) or column (B)
    m.t = lane & 3;   // its pair of k (A, B) or of columns (C)
    m.rA = tileRow * 16 + m.g;
    m.rB = m.rA + 8;
    m.col0 = blockIdx.x * 32 + (threadIdx.x >> 5) * 8;
    return m;
}

// c = the tile's sums over the k-steps of [kFrom, kTo) in order, from zero.
__device__ __forceinline__ void mma_split(const float* x, const unsigned short* w, int n, int N, int K, const MmaTile& m,
                                          int kFrom, int kTo, float* c) {
    for (int e = 0; e < 4; e++) {
        c[e] = 0.f;
    }
    // k-steps are independent but for the accumulator, so unrolling lets their loads overlap
#pragma unroll 4
    for (int k0 = kFrom; k0 < kTo; k0 += 16) {
        int kA = k0 + 2 * m.t;
        int kB = kA + 8;
        unsigned hi[4], lo[4];
        split_pair(x_at(x, m.rA, kA, n, K), x_at(x, m.rA, kA + 1, n, K), hi[0], lo[0]);
        split_pair(x_at(x, m.rB, kA, n, K), x_at(x, m.rB, kA + 1, n, K), hi[1], lo[1]);
        split_pair(x_at(x, m.rA, kB, n, K), x_at(x, m.rA, kB + 1, n, K), hi[2], lo[2]);
        split_pair(x_at(x, m.rB, kB, n, K), x_at(x, m.rB, kB + 1, n, K), hi[3], lo[3]);
        unsigned b0 = w_pair(w, m.col0 + m.g, kA, N, K);
        unsigned b1 = w_pair(w, m.col0 + m.g, kB, N, K);
        mma_bf16(c, hi, b0, b1);
        mma_bf16(c, lo, b0, b1);
    }
}

__device__ __forceinline__ void mma_store(const MmaTile& m, const float* c, int n, int N, float* y) {
    int col = m.col0 + 2 * m.t;
    for (int e = 0; e < 2; e++) {
        if (col + e < N) {
            if (m.rA < n) {
                y[(long) m.rA * N + col + e] = c[e];
            }
            if (m.rB < n) {
                y[(long) m.rB * N + col + e] = c[2 + e];
            }
        }
    }
}

// grid (ceil(N/32), ceil(n/16)), block 128.
extern "C" __global__ void matmul_mma_bf16(const float* x, const __nv_bfloat16* W, int n, int N, int K, float* y) {
    const unsigned short* w = (const unsigned short*) W;
    MmaTile m = mma_tile(blockIdx.y);
    float c[4];
    mma_split(x, w, n, N, K, m, 0, min(K, SPLIT_K), c);
    for (int k = SPLIT_K; k < K; k += SPLIT_K) {
        float p[4];
        mma_split(x, w, n, N, K, m, k, min(K, k + SPLIT_K), p);
        for (int e = 0; e < 4; e++) {
            c[e] += p[e];
        }
    }
    mma_store(m, c, n, N, y);
}

// Split z's sums into partials[z][n][N]. grid (ceil(N/32), ceil(n/16), ceil(K/SPLIT_K)), block 128.
extern "C" __global__ void matmul_mma_bf16_split(const float* x, const __nv_bfloat16* W, int n, int N, int K,
                                                 float* partials) {
    MmaTile m = mma_tile(blockIdx.y);
    int k = blockIdx.z * SPLIT_K;
    float c[4];
    mma_split(x, (const unsigned short*) W, n, N, K, m, k, min(K, k + SPLIT_K), c);
    mma_store(m, c, n, N, partials + (long) blockIdx.z * n * N);
}

// y[i] = partials[0][i] + partials[1][i] + ..., in order. grid (ceil(len/256)), block 256.
extern "C" __global__ void sum_splits(const float* partials, int splits, long len, float* y) {
    long i = (long) blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= len) {
        return;
    }
    float s = partials[i];
    for (int z = 1; z < splits; z++) {
        s += partials[z * len + i];
    }
    y[i] = s;
}

// ---------------------------------------------------------------------------------------------------------------
// Element-wise kernels. grid (ceil(len/256)), block 256.
extern "C" __global__ void add_in_place(float* acc, const float* delta, long len) {
    long i = (long) blockIdx.x * blockDim.x + threadIdx.x;
    if (i < len) {
        acc[i] += delta[i];
    }
}

// y[t][j] += bias[j]
extern "C" __global__ void add_bias(float* y, const float* bias, int dim, long len) {
    long i = (long) blockIdx.x * blockDim.x + threadIdx.x;
    if (i < len) {
        y[i] += bias[i % dim];
    }
}

// gate[i] = gate[i] / (1 + e^-gate[i]) · up[i]
extern "C" __global__ void swiglu(float* gate, const float* up, long len) {
    long i = (long) blockIdx.x * blockDim.x + threadIdx.x;
    if (i < len) {
        float g = gate[i];
        gate[i] = g / (1.f + expf(-g)) * up[i];
    }
}

// cos/sin of p · invFreq[i] for p in [from, from + count), computed in double as the CPU backend does.
extern "C" __global__ void rope_table(const float* invFreq, int half, int from, int count, float* cosT, float* sinT) {
    long e = (long) blockIdx.x * blockDim.x + threadIdx.x;
    if (e >= (long) count * half) {
        return;
    }
    long p = from + e / half;
    int i = (int) (e % half);
    double angle = (double) p * (double) invFreq[i];
    cosT[p * half + i] = (float) cos(angle);
    sinT[p * half + i] = (float) sin(angle);
}

// ---------------------------------------------------------------------------------------------------------------
// The device cache of one session (DeviceCache in Java): regions of one allocation, each [layers][kvHeads][C][...]:
// keys and values in the cache dtype, INT8 scales, positions (FREE_POSITION when free) and RoPE indices per slot,
// and spans [layers][kvHeads]: the slots each head spans (free ones included) once this pass's rows are appended.
// Sessions of one batch may differ in cache dtype, so the dtype travels with the view.
struct CacheView {
    unsigned long long keys, values, keyScales, valueScales, positions, ropes, spans;
    int capacity;
    int dtype;  // 0 f32, 1 bf16, 2 f16, 3 int8
};

// The cache dtype's rounding, the same bits as the host cache's append (state.cache.CacheDtype).
__device__ __forceinline__ unsigned short to_bf16(float x) {
    __nv_bfloat16 b = __float2bfloat16_rn(x);
    return *reinterpret_cast<unsigned short*>(&b);
}
__device__ __forceinline__ unsigned short to_f16(float x) {
    __half h = __float2half_rn(x);
    return *reinterpret_cast<unsigned short*>(&h);
}
// Java's Math.round (half up), clamped to ±127; x / scale as IEEE division.
__device__ __forceinline__ signed char to_int8(float x, float scale) {
    if (scale == 0.f) {
        return 0;
    }
    float t = __fdiv_rn(x, scale);
    float f = floorf(t);
    float r = (t - f >= 0.5f) ? f + 1.f : f;
    return (signed char) fmaxf(-127.f, fminf(127.f, r));
}

__device__ __forceinline__ float cached(const void* data, int dtype, long i, float scale) {
    switch (dtype) {
        case 0: return ((const float*) data)[i];
        case 1: return __bfloat162float(((const __nv_bfloat16*) data)[i]);
        case 2: return __half2float(((const __half*) data)[i]);
        default: return (float) ((const signed char*) data)[i] * scale;
    }
}

__device__ __forceinline__ void store_cached(void* data, int dtype, long i, float x, float scale) {
    switch (dtype) {
        case 0: ((float*) data)[i] = x; break;
        case 1: ((unsigned short*) data)[i] = to_bf16(x); break;
        case 2: ((unsigned short*) data)[i] = to_f16(x); break;
        default: ((signed char*) data)[i] = to_int8(x, scale); break;
    }
}

// max |x[i]| over a block of exactly `headDim` <= 256 threads (max is exact in any order)
__device__ float block_max_abs(float v, float* shared8) {
    v = fabsf(v);
    for (int m = 16; m > 0; m >>= 1) {
        v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, m));
    }
    int warps = (blockDim.x + 31) >> 5;
    if ((threadIdx.x & 31) == 0) {
        shared8[threadIdx.x >> 5] = v;
    }
    __syncthreads();
    float total = 0.f;
    for (int w = 0; w < warps; w++) {
        total = fmaxf(total, shared8[w]);
    }
    __syncthreads();
    return total;
}

// Writes this layer's new keys (before RoPE) and values of every row into its session's cache, rounded to the cache
// dtype, at the slots the host cache's appends will take. k, v: [n][kvHeads·headDim]; rowStep, slots, ropes: per row
// (slots and ropes [n][kvHeads] for this layer). grid (n, kvHeads), block headDim (whole warps, <= 256).
extern "C" __global__ void kv_append(const float* k, const float* v, const CacheView* views, const int* rowStep,
                                     const int* rowPos, const int* slots, const int* ropes, int layer, int kvHeads,
                                     int headDim) {
    __shared__ float partial[8];
    int r = blockIdx.x;
    int h = blockIdx.y;
    int d = threadIdx.x;
    CacheView c = views[rowStep[r]];
    int dtype = c.dtype;
    long slot = slots[(long) r * kvHeads + h];
    long head = (long) layer * kvHeads + h;
    long entry = head * c.capacity + slot;
    long src = ((long) r * kvHeads + h) * headDim + d;
    float kx = d < headDim ? k[src] : 0.f;
    float vx = d < headDim ? v[src] : 0.f;
    float ks = 0.f, vs = 0.f;
    if (dtype == 3) {
        ks = block_max_abs(kx, partial) / 127.f;
        vs = block_max_abs(vx, partial) / 127.f;
    }
    if (d < headDim) {
        store_cached((void*) c.keys, dtype, entry * headDim + d, kx, ks);
        store_cached((void*) c.values, dtype, entry * headDim + d, vx, vs);
    }
    if (d == 0) {
        if (dtype == 3) {
            ((float*) c.keyScales)[entry] = ks;
            ((float*) c.valueScales)[entry] = vs;
        }
        ((int*) c.positions)[entry] = rowPos[r];
        ((int*) c.ropes)[entry] = ropes[(long) r * kvHeads + h];
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Causal grouped-query attention of each row over its own session's cache (which holds the row's chunk already).
// Row r at position p sees the slots with position in (p − window, p] (window 0: all <= p); free slots hold
// FREE_POSITION, which no row sees. A cached key is stored before RoPE and rotated here by its slot's RoPE index.

struct Head {
    const void* keys;
    const void* values;
    const float* keyScales;
    const float* valueScales;
    const int* positions;
    const int* ropes;
    long entries;  // index of the head's slot 0 in keys/values (elements / headDim)
    int span;
    int dtype;
};

__device__ __forceinline__ Head head_of(const CacheView& c, long head) {
    Head x;
    x.keys = (const void*) c.keys;
    x.values = (const void*) c.values;
    x.keyScales = (const float*) c.keyScales + head * c.capacity;
    x.valueScales = (const float*) c.valueScales + head * c.capacity;
    x.positions = (const int*) c.positions + head * c.capacity;
    x.ropes = (const int*) c.ropes + head * c.capacity;
    x.entries = head * c.capacity;
    x.span = ((const int*) c.spans)[head];
    x.dtype = c.dtype;
    return x;
}

// query[d] = scale · RoPE(q)[d] at RoPE index qr, written by the warp's lanes into its shared `query`
__device__ void rotate_query(const float* qrow, int qr, int half, float scale, const float* cosT, const float* sinT,
                             float* query) {
    for (int i = threadIdx.x & 31; i < half; i += 32) {
        float cs = cosT[(long) qr * half + i];
        float sn = sinT[(long) qr * half + i];
        float a = qrow[i];
        float b = qrow[i + half];
        query[i] = (a * cs - b * sn) * scale;
        query[i + half] = (b * cs + a * sn) * scale;
    }
    __syncwarp();
}

// A cached key's rotation, dimension d < half and d + half, rounded as written (no fused contraction), so the
// attention's keys staged in shared memory and the observers' scores computed from global memory agree to the bit.
__device__ __forceinline__ float rope_lo(float a, float b, float cs, float sn) {
    return __fsub_rn(__fmul_rn(a, cs), __fmul_rn(b, sn));
}
__device__ __forceinline__ float rope_hi(float a, float b, float cs, float sn) {
    return __fadd_rn(__fmul_rn(b, cs), __fmul_rn(a, sn));
}

// The score of slot j (visible): one fma chain over d in order of query · RoPE(key_j), as `attention` sums it.
__device__ float slot_score(const Head& x, int j, const float* query, int headDim, const float* cosT,
                            const float* sinT) {
    int half = headDim / 2;
    int dtype = x.dtype;
    float ks = dtype == 3 ? x.keyScales[j] : 0.f;
    long rot = (long) x.ropes[j] * half;
    long kb = (x.entries + j) * headDim;
    float dot = 0.f;
    for (int d = 0; d < half; d++) {
        float a = cached(x.keys, dtype, kb + d, ks);
        float b = cached(x.keys, dtype, kb + d + half, ks);
        dot = fmaf(query[d], rope_lo(a, b, cosT[rot + d], sinT[rot + d]), dot);
    }
    for (int d = 0; d < half; d++) {
        float a = cached(x.keys, dtype, kb + d, ks);
        float b = cached(x.keys, dtype, kb + d + half, ks);
        dot = fmaf(query[d + half], rope_hi(a, b, cosT[rot + d], sinT[rot + d]), dot);
    }
    return dot;
}

__device__ __forceinline__ bool visible(int keyPosition, int p, int lowest) {
    return keyPosition <= p && keyPosition >= lowest;
}

// What row r's query head h attends: its KV head's cache, the row's position p and the lowest position it sees.
struct RowHead {
    Head x;
    int p;
    int lowest;
};

// The row head of (r, h), its query rotated at the row's RoPE index and scaled into shared `query` on the way.
__device__ RowHead row_head(const float* q, const CacheView* views, const int* rowStep, const int* rowPos,
                            const int* qRopes, int r, int h, int layer, int heads, int kvHeads, int headDim, int window,
                            float scale, const float* cosT, const float* sinT, float* query) {
    int kvh = h / (heads / kvHeads);
    RowHead v;
    v.p = rowPos[r];
    v.lowest = window > 0 ? v.p - window + 1 : INT_MIN;
    v.x = head_of(views[rowStep[r]], (long) layer * kvHeads + kvh);
    rotate_query(q + ((long) r * heads + h) * headDim, qRopes[(long) r * kvHeads + kvh], headDim / 2, scale, cosT, sinT,
                 query);
    return v;
}

// Attention runs in blocks of at most `rowTile` consecutive rows of one step and one KV head; a block's warps are
// its (row, query head) pairs of that KV head, warp w serving row w / group and query head w % group of the group.
// A head's slots are cut into parts of PART_SLOTS, each part into tiles of 32. Per part, as in v1: lane j scores
// slot j0 + j of a tile; the tile's max and sum of e^(s − m) are butterflies over the lanes (every lane ends with the
// same bits); each lane owns output dimensions d ≡ lane (mod 32) and adds the tile's weighted values in slot order;
// the online softmax rescales once per tile. The parts' (max, sum, output) are then folded in order (fold). So every
// order is fixed by the head's span alone, whatever the batch, the tiling of rows, or the launch: `attention` runs a
// head's parts one after another in each block; for few blocks (decode) `attention_parts` runs one block per part
// and `attention_fold` folds them, with the same bits.
// The block stages each tile's keys (dequantised and rotated once, rows padded by one float so lane j reading slot j
// hits its own bank), values and positions in shared memory, and every warp reads them there.
// q: [n][heads·headDim] before RoPE; tiles: [tileCount][2] first row and row count; qRopes: [n][kvHeads] each row's
// RoPE index per KV head; out: [n][heads·headDim]; stats: [n][heads][2] the final max and sum.
// block rowTile·group warps, shared floats: warps·headDim + 32·(2·headDim + 1) + 32.
#define MAX_DIMS_PER_LANE 8
#define PART_SLOTS 64

// What one block attends: its tile of rows, the KV head's cache, and each warp's row and query head.
struct BlockRows {
    Head x;
    bool active;  // whether this warp has a row (the block's last tile may have fewer rows)
    int r, h, p, lowest;
    float* query;
    float* keys;    // [32][headDim + 1], rotated
    float* values;  // [32][headDim]
    int* positions;
};

__device__ BlockRows block_rows(const float* q, const CacheView* views, const int* rowStep, const int* tiles,
                                const int* rowPos, const int* qRopes, int layer, int heads, int kvHeads, int headDim,
                                int window, float scale, const float* cosT, const float* sinT, float* shared) {
    int group = heads / kvHeads;
    int warps = blockDim.x >> 5;
    int warp = threadIdx.x >> 5;
    int first = tiles[2 * blockIdx.x];
    int kvh = blockIdx.y;
    BlockRows b;
    b.query = shared + warp * headDim;
    b.keys = shared + warps * headDim;
    b.values = b.keys + 32 * (headDim + 1);
    b.positions = (int*) (b.values + 32 * headDim);
    b.x = head_of(views[rowStep[first]], (long) layer * kvHeads + kvh);
    b.active = warp / group < tiles[2 * blockIdx.x + 1];
    b.r = first + warp / group;
    b.h = kvh * group + warp % group;
    b.p = 0;
    b.lowest = 0;
    if (b.active) {
        b.p = rowPos[b.r];
        b.lowest = window > 0 ? b.p - window + 1 : INT_MIN;
        rotate_query(q + ((long) b.r * heads + b.h) * headDim, qRopes[(long) b.r * kvHeads + kvh], headDim / 2, scale,
                     cosT, sinT, b.query);
    }
    return b;
}

// Each warp's softmax over slots [jFrom, jTo) from scratch: m its max, l its sum, acc its lane's output dimensions.
// Every thread of the block calls it (it synchronises the block).
__device__ void attend_part(const BlockRows& b, int jFrom, int jTo, int headDim, const float* cosT, const float* sinT,
                            float& m, float& l, float* acc) {
    const Head& x = b.x;
    int lane = threadIdx.x & 31;
    int half = headDim / 2;
    int stride = headDim + 1;
    m = -INFINITY;
    l = 0.f;
    for (int i = 0; i < MAX_DIMS_PER_LANE; i++) {
        acc[i] = 0.f;
    }
    for (int j0 = jFrom; j0 < jTo; j0 += 32) {
        int inTile = min(32, jTo - j0);
        __syncthreads();  // every warp is done with the previous tile
        for (int e = threadIdx.x; e < inTile * half; e += blockDim.x) {
            int t = e / half;
            int d = e - t * half;
            long j = j0 + t;
            float sc = x.dtype == 3 ? x.keyScales[j] : 0.f;
            long kb = (x.entries + j) * headDim;
            long rot = (long) x.ropes[j] * half;
            float a = cached(x.keys, x.dtype, kb + d, sc);
            float bb = cached(x.keys, x.dtype, kb + d + half, sc);
            b.keys[t * stride + d] = rope_lo(a, bb, cosT[rot + d], sinT[rot + d]);
            b.keys[t * stride + d + half] = rope_hi(a, bb, cosT[rot + d], sinT[rot + d]);
        }
        for (int e = threadIdx.x; e < inTile * headDim; e += blockDim.x) {
            int t = e / headDim;
            long j = j0 + t;
            float sc = x.dtype == 3 ? x.valueScales[j] : 0.f;
            b.values[e] = cached(x.values, x.dtype, (x.entries + j) * headDim + (e - t * headDim), sc);
        }
        if (threadIdx.x < 32) {
            b.positions[threadIdx.x] = threadIdx.x < inTile ? x.positions[j0 + threadIdx.x] : FREE_POSITION;
        }
        __syncthreads();
        if (!b.active) {
            continue;
        }
        float s = -INFINITY;
        if (visible(b.positions[lane], b.p, b.lowest)) {
            const float* key = b.keys + lane * stride;
            float dot = 0.f;
            for (int d = 0; d < headDim; d++) {
                dot = fmaf(b.query[d], key[d], dot);
            }
            s = dot;
        }
        float tileMax = s;
        for (int o = 16; o > 0; o >>= 1) {
            tileMax = fmaxf(tileMax, __shfl_xor_sync(0xffffffffu, tileMax, o));
        }
        if (tileMax == -INFINITY) {
            continue;  // nothing visible in this tile (the same in every lane)
        }
        float mNew = fmaxf(m, tileMax);
        float corr = expf(m - mNew);
        float e = s == -INFINITY ? 0.f : expf(s - mNew);
        float tileSum = e;
        for (int o = 16; o > 0; o >>= 1) {
            tileSum += __shfl_xor_sync(0xffffffffu, tileSum, o);
        }
        l = l * corr + tileSum;
        for (int i = 0; i < MAX_DIMS_PER_LANE; i++) {
            acc[i] *= corr;
        }
        for (int t = 0; t < inTile; t++) {
            float w = __shfl_sync(0xffffffffu, e, t);
            if (w == 0.f) {
                continue;
            }
            for (int i = 0; i < MAX_DIMS_PER_LANE; i++) {
                int d = lane + 32 * i;
                if (d < headDim) {
                    acc[i] = fmaf(w, b.values[t * headDim + d], acc[i]);
                }
            }
        }
        m = mNew;
    }
}

// Folds a part's softmax (m, l, acc) into the running one (M, L, A); a part with nothing visible changes nothing.
// Products and sums are rounded as written, so both launches fold to the same bits.
__device__ __forceinline__ void fold(float& M, float& L, float* A, float m, float l, const float* acc) {
    if (m == -INFINITY) {
        return;
    }
    float mNew = fmaxf(M, m);
    float a = expf(M - mNew);
    float b = expf(m - mNew);
    L = __fadd_rn(__fmul_rn(L, a), __fmul_rn(l, b));
    for (int i = 0; i < MAX_DIMS_PER_LANE; i++) {
        A[i] = __fadd_rn(__fmul_rn(A[i], a), __fmul_rn(acc[i], b));
    }
    M = mNew;
}

// out and stats of row r, query head h, from the folded softmax
__device__ __forceinline__ void attention_out(int r, int h, int heads, int headDim, float M, float L, const float* A,
                                              float* out, float* stats) {
    int lane = threadIdx.x & 31;
    long o = ((long) r * heads + h) * headDim;
    for (int i = 0; i < MAX_DIMS_PER_LANE; i++) {
        int d = lane + 32 * i;
        if (d < headDim) {
            out[o + d] = A[i] / L;
        }
    }
    if (lane == 0) {
        stats[((long) r * heads + h) * 2] = M;
        stats[((long) r * heads + h) * 2 + 1] = L;
    }
}

// Every part of the head in turn. grid (tileCount, kvHeads).
// (At most 1024 threads, so at most 64 registers each: blocks of any query group fit an SM, and two of 512 do.)
extern "C" __global__ void __launch_bounds__(1024)
attention(const float* q, const CacheView* views, const int* rowStep, const int* tiles, const int* rowPos,
          const int* qRopes, int layer, int heads, int kvHeads, int headDim, int window, float scale, const float* cosT,
          const float* sinT, float* out, float* stats) {
    extern __shared__ float shared[];
    BlockRows b = block_rows(q, views, rowStep, tiles, rowPos, qRopes, layer, heads, kvHeads, headDim, window, scale,
                             cosT, sinT, shared);
    float M = -INFINITY;
    float L = 0.f;
    float A[MAX_DIMS_PER_LANE];
    for (int i = 0; i < MAX_DIMS_PER_LANE; i++) {
        A[i] = 0.f;
    }
    for (int j = 0; j < b.x.span; j += PART_SLOTS) {
        float m, l, acc[MAX_DIMS_PER_LANE];
        attend_part(b, j, min(b.x.span, j + PART_SLOTS), headDim, cosT, sinT, m, l, acc);
        fold(M, L, A, m, l, acc);
    }
    if (b.active) {
        attention_out(b.r, b.h, heads, headDim, M, L, A, out, stats);
    }
}

// Part z = blockIdx.z of the head (none past its span: max −∞) into partAcc [parts][n][heads][headDim] and partStats
// [parts][n][heads][2]. grid (tileCount, kvHeads, parts).
extern "C" __global__ void __launch_bounds__(1024)
attention_parts(const float* q, const CacheView* views, const int* rowStep, const int* tiles, const int* rowPos,
                const int* qRopes, int layer, int heads, int kvHeads, int headDim, int window, float scale,
                const float* cosT, const float* sinT, int n, float* partAcc, float* partStats) {
    extern __shared__ float shared[];
    BlockRows b = block_rows(q, views, rowStep, tiles, rowPos, qRopes, layer, heads, kvHeads, headDim, window, scale,
                             cosT, sinT, shared);
    int j = blockIdx.z * PART_SLOTS;
    float m = -INFINITY, l = 0.f, acc[MAX_DIMS_PER_LANE];
    for (int i = 0; i < MAX_DIMS_PER_LANE; i++) {
        acc[i] = 0.f;
    }
    if (j < b.x.span) {
        attend_part(b, j, min(b.x.span, j + PART_SLOTS), headDim, cosT, sinT, m, l, acc);
    }
    if (!b.active) {
        return;
    }
    long at = ((long) blockIdx.z * n + b.r) * heads + b.h;
    int lane = threadIdx.x & 31;
    for (int i = 0; i < MAX_DIMS_PER_LANE; i++) {
        int d = lane + 32 * i;
        if (d < headDim) {
            partAcc[at * headDim + d] = acc[i];
        }
    }
    if (lane == 0) {
        partStats[at * 2] = m;
        partStats[at * 2 + 1] = l;
    }
}

// Folds the parts of row r = blockIdx.x, query head h = blockIdx.y in order. grid (n, heads), block 32.
extern "C" __global__ void attention_fold(const float* partAcc, const float* partStats, int parts, int n, int heads,
                                          int headDim, float* out, float* stats) {
    int r = blockIdx.x;
    int h = blockIdx.y;
    int lane = threadIdx.x;
    float M = -INFINITY;
    float L = 0.f;
    float A[MAX_DIMS_PER_LANE];
    for (int i = 0; i < MAX_DIMS_PER_LANE; i++) {
        A[i] = 0.f;
    }
    for (int z = 0; z < parts; z++) {
        long at = ((long) z * n + r) * heads + h;
        float acc[MAX_DIMS_PER_LANE];
        for (int i = 0; i < MAX_DIMS_PER_LANE; i++) {
            int d = lane + 32 * i;
            acc[i] = d < headDim ? partAcc[at * headDim + d] : 0.f;
        }
        fold(M, L, A, partStats[at * 2], partStats[at * 2 + 1], acc);
    }
    attention_out(r, h, heads, headDim, M, L, A, out, stats);
}

// What an AttentionObserver sees: for rows [first, first + gridDim.x) and every query head, e^(s_j − m) of each
// slot j < span (0 where not visible), m being the attention's final max. probs: [rows][heads][width].
// grid (rows, heads), block 32, shared headDim floats.
extern "C" __global__ void attention_probs(const float* q, const CacheView* views, const int* rowStep,
                                           const int* rowPos, const int* qRopes, int layer, int heads, int kvHeads,
                                           int headDim, int window, float scale, const float* cosT,
                                           const float* sinT, const float* stats, int first, int width,
                                           float* probs) {
    extern __shared__ float query[];
    int r = first + blockIdx.x;
    int h = blockIdx.y;
    RowHead v = row_head(q, views, rowStep, rowPos, qRopes, r, h, layer, heads, kvHeads, headDim, window, scale, cosT, sinT,
                         query);
    float m = stats[((long) r * heads + h) * 2];
    float* row = probs + ((long) blockIdx.x * heads + h) * width;
    for (int j = threadIdx.x; j < width; j += 32) {
        float e = 0.f;
        if (j < v.x.span && visible(v.x.positions[j], v.p, v.lowest)) {
            e = expf(slot_score(v.x, j, query, headDim, cosT, sinT) - m);
        }
        row[j] = e;
    }
}

// Writes a session cache's CacheView at the start of its allocation (offsets in bytes from base), once per allocation,
// so a batch's views are gathered by device copies. grid 1, block 1.
extern "C" __global__ void write_view(char* base, long long keys, long long values, long long keyScales,
                                      long long valueScales, long long positions, long long ropes, long long spans,
                                      int capacity, int dtype) {
    CacheView* v = (CacheView*) base;
    v->keys = (unsigned long long) (base + keys);
    v->values = (unsigned long long) (base + values);
    v->keyScales = (unsigned long long) (base + keyScales);
    v->valueScales = (unsigned long long) (base + valueScales);
    v->positions = (unsigned long long) (base + positions);
    v->ropes = (unsigned long long) (base + ropes);
    v->spans = (unsigned long long) (base + spans);
    v->capacity = capacity;
    v->dtype = dtype;
}
