package io.longstream.jobs.cli;

import io.longstream.jobs.pipeline.PipelineSettings;
import io.longstream.jobs.pipeline.TopicSetup;
import java.util.List;
import picocli.CommandLine.Option;

/** Where a job reads and writes, the topics it creates there, and the ids that must stay stable across its restarts. */
final class KafkaJobOptions {
    @Option(names = "--bootstrap", required = true, paramLabel = "HOST:PORT", description = "Kafka bootstrap servers")
    String bootstrap;

    @Option(names = "--group-id", paramLabel = "ID", description = "consumer group of the events source (default: ${DEFAULT-VALUE})")
    String groupId = "longstream";

    @Option(names = "--transactional-id-prefix", paramLabel = "ID", description = "unique per job, stable across its restarts (default: ${DEFAULT-VALUE})")
    String transactionalIdPrefix = "longstream";

    @Option(names = "--partitions", paramLabel = "N", description = "partitions of the events topic if it must be created (default: ${DEFAULT-VALUE})")
    int partitions = 4;

    @Option(names = "--replication", paramLabel = "N", description = "replication of topics it creates (default: ${DEFAULT-VALUE})")
    short replication = 1;

    /** Copies the options into {@code settings}, checking those that the settings do not hold. */
    void applyTo(PipelineSettings settings) {
        if (partitions < 1) {
            throw new IllegalArgumentException("--partitions must be >= 1, got " + partitions);
        }
        if (replication < 1) {
            throw new IllegalArgumentException("--replication must be >= 1, got " + replication);
        }
        settings.bootstrap = bootstrap;
        settings.groupId = groupId;
        settings.transactionalIdPrefix = transactionalIdPrefix;
    }

    /** Creates the topics of {@code settings} that are missing, saying which. */
    void ensureTopics(PipelineSettings settings) throws InterruptedException {
        List<String> created = TopicSetup.ensure(settings.bootstrap, settings.topics, partitions, replication);
        if (!created.isEmpty()) {
            System.out.println("created topics " + created);
        }
    }
}
