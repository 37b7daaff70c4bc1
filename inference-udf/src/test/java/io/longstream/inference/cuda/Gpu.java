package io.longstream.inference.cuda;

import static org.junit.jupiter.api.Assertions.fail;

import io.longstream.inference.Backend;
import io.longstream.inference.Fixtures;
import io.longstream.inference.Model;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the GPU tests share: they run where GPU 0 can run the CUDA backend and are skipped elsewhere with the reason
 * (CI has no GPU), unless LONGSTREAM_REQUIRE_GPU=1 (set by src/test/gpu/run.sh on the GPU machine) turns a missing GPU
 * into a failure, so the GPU run can never pass by skipping.
 */
final class Gpu {
    private static final Map<String, Model> MODELS = new ConcurrentHashMap<>();

    private Gpu() {
    }

    /** Why the GPU tests cannot run here (null: they can); fails instead where the GPU run requires them. */
    static String unavailableReason() {
        String reason = CudaEngine.unavailableReason(0);
        if (reason != null && "1".equals(System.getenv("LONGSTREAM_REQUIRE_GPU"))) {
            fail("the GPU run requires the CUDA backend: " + reason);
        }
        return reason;
    }

    /** A fixture model on GPU 0, loaded once per test JVM. */
    static Model model(String fixture) {
        return MODELS.computeIfAbsent(fixture, f -> Model.load(Fixtures.model(f), Backend.cuda(0, 0.5)));
    }

    static CudaTransformer transformer(String fixture) {
        return (CudaTransformer) model(fixture).transformer();
    }
}
