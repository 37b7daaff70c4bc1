package io.longstream.operators;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.longstream.inference.Backend;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;
import org.junit.jupiter.api.Test;

class TaskManagerGpuTest {
    /** What Flink's GPU plugin hands an operator: one GPU with its index. */
    private record Gpu(String index) implements ExternalResourceInfo {
        @Override
        public Optional<String> getProperty(String key) {
            return Optional.ofNullable(Map.of("index", index).get(key));
        }

        @Override
        public Collection<String> getKeys() {
            return Set.of("index");
        }
    }

    @Test
    void theGpuFlinkAssignsWinsOverTheConfiguredOne() {
        assertEquals(Backend.cuda(3, 0.5), TaskManagerGpu.choose(Backend.cuda(0, 0.5), Set.of(new Gpu("3"))));
        assertEquals(Backend.cuda(1, 0.5), TaskManagerGpu.choose(Backend.cuda(0, 0.5), Set.of(new Gpu("4"), new Gpu("1"))));
    }

    @Test
    void withoutAnAssignmentTheConfiguredGpuStaysAndTheCpuIsUntouched() {
        assertEquals(Backend.cuda(2, 0.8), TaskManagerGpu.choose(Backend.cuda(2, 0.8), Set.of()));
        assertEquals(Backend.cpu(4), TaskManagerGpu.choose(Backend.cpu(4), Set.of(new Gpu("3"))));
    }
}
