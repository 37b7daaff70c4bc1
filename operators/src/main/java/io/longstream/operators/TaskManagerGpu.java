package io.longstream.operators;

import io.longstream.inference.Backend;
import java.util.Comparator;
import java.util.Optional;
import java.util.Set;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;

/**
 * The GPU a TaskManager's session operators run on: the one Flink's external resource framework gives it under the
 * resource name {@value #RESOURCE} (Flink's GPU plugin, its {@code index} property), else the job's {@code --gpu}.
 */
final class TaskManagerGpu {
    /** The external resource name Flink's GPU documentation uses ({@code external-resources: gpu}). */
    static final String RESOURCE = "gpu";

    private TaskManagerGpu() {
    }

    /** {@code configured} on the TaskManager's GPU where Flink assigned it one; the CPU backend as it is. */
    static Backend choose(Backend configured, Set<ExternalResourceInfo> assigned) {
        if (configured.kind() != Backend.Kind.CUDA || assigned.isEmpty()) {
            return configured;
        }
        // several GPUs on one TaskManager: the lowest index, so every operator instance of the JVM shares one engine
        Optional<Integer> index = assigned.stream()
                .map(info -> info.getProperty("index").map(Integer::parseInt))
                .flatMap(Optional::stream)
                .min(Comparator.naturalOrder());
        return index.map(gpu -> Backend.cuda(gpu, configured.cacheFraction())).orElse(configured);
    }
}
