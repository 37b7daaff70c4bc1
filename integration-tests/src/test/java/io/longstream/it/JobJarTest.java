package io.longstream.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The job jar that {@code flink run} takes: the pipeline and its connectors, never the broker, its test kit,
 * Flink itself, or the jars with native libraries that a cluster's lib/ holds (jobs/target/flink-lib).
 */
class JobJarTest {
    private static final Path JAR = Path.of(System.getProperty("longstream.jobJar", "../jobs/target/missing-job.jar"));

    @Test
    void theJobJarHoldsThePipelineButNotTheBrokerOrFlink() throws IOException {
        assertTrue(Files.isRegularFile(JAR), "the job jar " + JAR + " is built by the jobs module (mvn package)");
        try (JarFile jar = new JarFile(JAR.toFile())) {
            List<String> names = jar.stream().map(e -> e.getName()).collect(Collectors.toList());
            assertEquals("io.longstream.jobs.cli.LongstreamJob", jar.getManifest().getMainAttributes().getValue("Main-Class"));
            for (String needed : List.of("io/longstream/jobs/pipeline/SessionPipeline.class",
                    "io/longstream/operators/SessionOperator.class",
                    "org/apache/flink/connector/kafka/sink/KafkaSink.class",
                    "org/apache/kafka/clients/producer/KafkaProducer.class",
                    "org/apache/avro/Schema.class",
                    "io/longstream/inference/epicache/SegmentEncoder.class",
                    "io/longstream/inference/cuda/CudaTransformer.class",
                    "dev/langchain4j/model/embedding/onnx/allminilml6v2q/AllMiniLmL6V2QuantizedEmbeddingModel.class")) {
                assertTrue(names.contains(needed), "the job jar lacks " + needed);
            }
            // the CUDA kernels, where the build compiled them (nvcc present): the job jar carries what the runtime's jar has
            if (Files.isRegularFile(Path.of("../inference-udf/target/classes/io/longstream/inference/cuda/kernels.fatbin"))) {
                assertTrue(names.contains("io/longstream/inference/cuda/kernels.fatbin"), "the job jar lacks the CUDA kernels");
            }
            for (String banned : List.of("kafka/server/", "org/apache/kafka/common/test/", "scala/", "io/longstream/jobs/local/",
                    "org/apache/flink/runtime/", "org/apache/flink/streaming/api/environment/", "org/rocksdb/",
                    "io/longstream/jobs/bench/",
                    // what only the broker's test kit needs
                    "org/junit/", "org/opentest4j/",
                    // DJL's tokenizer and ONNX Runtime, with their native libraries: the cluster's lib/ has them
                    "ai/djl/", "native/lib/", "ai/onnxruntime/", "com/sun/jna/", "jcuda/", "lib/libJCuda")) {
                assertTrue(names.stream().noneMatch(n -> n.startsWith(banned)), "the job jar must not contain " + banned);
            }
        }
    }

    @Test
    void theJarsForTheClustersLibHoldTheNativeLibrariesTheJobLeftOut() throws IOException {
        Path lib = Path.of(System.getProperty("longstream.flinkLib", "../jobs/target/missing-flink-lib"));
        assertTrue(Files.isDirectory(lib), lib + " is built by the jobs module (mvn package)");
        for (List<String> jarAndEntry : List.of(List.of("tokenizers-", "/libtokenizers.so"), List.of("onnxruntime-", "/libonnxruntime.so"),
                List.of("api-", "ai/djl/util/Utils.class"),
                List.of("jcuda-natives-", "libJCudaDriver-12.6.0-linux-x86_64.so"), List.of("jcuda-12.", "jcuda/driver/JCudaDriver.class"))) {
            try (Stream<Path> jars = Files.list(lib)) {
                Path jar = jars.filter(p -> p.getFileName().toString().startsWith(jarAndEntry.get(0))).findFirst()
                        .orElseThrow(() -> new AssertionError("no " + jarAndEntry.get(0) + "*.jar in " + lib));
                try (JarFile j = new JarFile(jar.toFile())) {
                    assertTrue(j.stream().anyMatch(e -> e.getName().endsWith(jarAndEntry.get(1))), jar + " lacks " + jarAndEntry.get(1));
                }
            }
        }
    }
}
