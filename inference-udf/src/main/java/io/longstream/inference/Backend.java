package io.longstream.inference;

import io.longstream.inference.cpu.CpuTransformer;
import io.longstream.inference.cuda.CudaTransformer;
import io.longstream.inference.model.ModelConfig;
import io.longstream.inference.model.Safetensors;

/** Where a model's forward pass runs: the Java CPU backend, or the CUDA backend on one GPU. */
public interface Backend {
    /** The model's weights loaded onto this backend. */
    Transformer load(ModelConfig config, Safetensors tensors);

    /** The CPU backend with {@code threads} worker threads. */
    static Backend cpu(int threads) {
        return (config, tensors) -> new CpuTransformer(config, tensors, threads);
    }

    /**
     * The CUDA backend on GPU {@code gpu}, whose session caches may take {@code cacheFraction} of the device memory
     * free after the weights; it fails with a {@link io.longstream.inference.cuda.CudaUnavailableException} saying why
     * where it cannot run.
     */
    static Backend cuda(int gpu, double cacheFraction) {
        return (config, tensors) -> new CudaTransformer(config, tensors, gpu, cacheFraction);
    }
}
