package io.longstream.inference.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.longstream.inference.Backend;
import io.longstream.inference.ChunkedPrefill;
import io.longstream.inference.Fixtures;
import io.longstream.inference.LoadedModels;
import io.longstream.inference.Model;
import io.longstream.inference.model.SafetensorsWriter;
import io.longstream.inference.model.TensorDtype;
import io.longstream.state.cache.CacheDtype;
import io.longstream.state.cache.KvCache;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** f16 weights and a sharded checkpoint on the GPU: the same logits as the weights they hold, and as the CPU's. */
@ExtendWith(RequiresGpu.class)
class CudaWeightFormatsTest {
    @TempDir
    Path tmp;

    @Test
    void f16WeightsComputeExactlyWhatTheirFloatValuesDo() throws IOException {
        String name = "llama-tiny-f32";
        Path wide = folder(name, "f32-rounded", TensorDtype.F32);
        Path narrow = folder(name, "f16", TensorDtype.F16);
        Fixtures.Reference ref = Fixtures.reference(name);
        float[] fromNarrow = gpuLogits(narrow, ref.inputIds);
        // f16 and f32 weights take kernels with the same fma chain per output
        assertArrayEquals(gpuLogits(wide, ref.inputIds), fromNarrow);
        float[] cpu;
        try (Model m = Model.load(narrow, 2)) {
            cpu = logits(m, ref.inputIds);
        }
        double vsCpu = CudaReferenceLogitsTest.relative(fromNarrow, cpu);
        System.out.printf("f16 weights: cuda vs cpu %.3e of the logit scale%n", vsCpu);
        assertTrue(vsCpu < 1e-3, "f16 weights: the GPU differs from the CPU by " + vsCpu);
    }

    @Test
    void aShardedCheckpointLoadsTheSameWeights() throws IOException {
        String name = "llama3-tiny-bf16";
        Path sharded = Files.createDirectories(tmp.resolve(name + "-sharded"));
        Files.copy(Fixtures.model(name).resolve("config.json"), sharded.resolve("config.json"));
        SafetensorsWriter.splitInto(Fixtures.model(name), sharded, 2);
        Fixtures.Reference ref = Fixtures.reference(name);
        assertArrayEquals(logits(Gpu.model(name), ref.inputIds), gpuLogits(sharded, ref.inputIds));
        double vsCpu = CudaReferenceLogitsTest.relative(gpuLogits(sharded, ref.inputIds), logits(LoadedModels.get(name, 2), ref.inputIds));
        assertTrue(vsCpu < 1e-3, "sharded: the GPU differs from the CPU by " + vsCpu);
    }

    /** The fixture's weights rounded to f16 values, stored as {@code dtype}. */
    private Path folder(String name, String suffix, TensorDtype dtype) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(name + "-" + suffix));
        Files.copy(Fixtures.model(name).resolve("config.json"), dir.resolve("config.json"));
        SafetensorsWriter.convert(Fixtures.model(name), dir.resolve("model.safetensors"), dtype, CacheDtype.F16);
        return dir;
    }

    private static float[] gpuLogits(Path dir, int[] ids) {
        try (Model m = Model.load(dir, Backend.cuda(0, 0.1))) {
            return logits(m, ids);
        }
    }

    private static float[] logits(Model m, int[] ids) {
        KvCache cache = m.transformer().newCache(CacheDtype.F32);
        return new ChunkedPrefill(m.transformer(), 64).run(ids, cache, true);
    }
}
