package io.longstream.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The job jar that {@code flink run} takes: the pipeline and its connectors, never the broker or Flink itself. */
class JobJarTest {
    private static final Path JAR = Path.of(System.getProperty("longstream.jobJar", "../jobs/target/missing-job.jar"));

    @Test
    void theJobJarHoldsThePipelineButNotTheBrokerOrFlink() throws IOException {
        assertTrue(Files.isRegularFile(JAR), "the job jar " + JAR + " is built by the jobs module (mvn package)");
        try (JarFile jar = new JarFile(JAR.toFile())) {
            List<String> names = jar.stream().map(e -> e.getName()).collect(Collectors.toList());
            assertEquals("io.longstream.jobs.cli.LongstreamJob", jar.getManifest().getMainAttributes().getValue("Main-Class"));
            for (String needed : List.of("io/longstream/jobs/pipeline/SessionPipeline.class",
                    "io/longstream/operators/SessionInferenceFunction.class",
                    "org/apache/flink/connector/kafka/sink/KafkaSink.class",
                    "org/apache/kafka/clients/producer/KafkaProducer.class",
                    "org/apache/avro/Schema.class")) {
                assertTrue(names.contains(needed), "the job jar lacks " + needed);
            }
            for (String banned : List.of("kafka/server/", "org/apache/kafka/common/test/", "scala/", "io/longstream/jobs/local/",
                    "org/apache/flink/runtime/", "org/apache/flink/streaming/api/environment/", "org/rocksdb/",
                    "io/longstream/jobs/bench/")) {
                assertTrue(names.stream().noneMatch(n -> n.startsWith(banned)), "the job jar must not contain " + banned);
            }
        }
    }
}
