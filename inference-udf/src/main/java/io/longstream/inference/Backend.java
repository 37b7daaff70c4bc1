package io.longstream.inference;

import io.longstream.inference.cpu.CpuTransformer;
import io.longstream.inference.cuda.CudaEngine;
import io.longstream.inference.cuda.CudaTransformer;
import io.longstream.inference.model.ModelConfig;
import io.longstream.inference.model.Safetensors;
import java.io.Serializable;

/**
 * Where a model's forward pass runs: the Java CPU backend with {@code threads} worker threads, or the CUDA backend on
 * GPU {@code gpu}, whose session caches may take {@code cacheFraction} of the device memory free after the weights.
 * A value, so a job's configuration carries it to every TaskManager.
 */
public record Backend(Kind kind, int threads, int gpu, double cacheFraction) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The backends. */
    public enum Kind {
        CPU, CUDA;

        public static Kind parse(String name) {
            for (Kind k : values()) {
                if (k.name().equalsIgnoreCase(name)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("unknown backend '" + name + "' (expected cpu or cuda)");
        }

        @Override
        public String toString() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public Backend {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        if (gpu < 0) {
            throw new IllegalArgumentException("the GPU index must be >= 0, got " + gpu);
        }
        if (!(cacheFraction > 0 && cacheFraction <= 1)) {
            throw new IllegalArgumentException("the GPU cache fraction must be in (0, 1], got " + cacheFraction);
        }
    }

    /** The CPU backend with {@code threads} worker threads. */
    public static Backend cpu(int threads) {
        return new Backend(Kind.CPU, threads, 0, 1);
    }

    /** The CUDA backend on GPU {@code gpu}; the CPU threads serve what stays on the host (tokenizing, sampling). */
    public static Backend cuda(int gpu, double cacheFraction) {
        return new Backend(Kind.CUDA, 1, gpu, cacheFraction);
    }

    /** The model's weights loaded onto this backend. */
    public Transformer load(ModelConfig config, Safetensors tensors) {
        return kind == Kind.CPU ? new CpuTransformer(config, tensors, threads) : new CudaTransformer(config, tensors, gpu, cacheFraction);
    }

    /** Why this backend cannot run on this machine (one line), or null when it can. */
    public String unavailableReason() {
        return kind == Kind.CPU ? null : CudaEngine.unavailableReason(gpu);
    }

    @Override
    public String toString() {
        return kind == Kind.CPU ? "cpu (" + threads + " threads)" : "cuda (GPU " + gpu + ", caches up to " + cacheFraction + " of its free memory)";
    }
}
