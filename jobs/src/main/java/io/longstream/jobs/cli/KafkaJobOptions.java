package io.longstream.jobs.cli;

import io.longstream.jobs.pipeline.PipelineSettings;
import picocli.CommandLine.Option;

/** Where a job reads and writes, and the ids that must stay stable across its restarts. */
final class KafkaJobOptions {
    @Option(names = "--bootstrap", required = true, paramLabel = "HOST:PORT", description = "Kafka bootstrap servers")
    String bootstrap;

    @Option(names = "--group-id", paramLabel = "ID", description = "consumer group of the events source (default: ${DEFAULT-VALUE})")
    String groupId = "longstream";

    @Option(names = "--transactional-id-prefix", paramLabel = "ID", description = "unique per job, stable across its restarts (default: ${DEFAULT-VALUE})")
    String transactionalIdPrefix = "longstream";

    void applyTo(PipelineSettings settings) {
        settings.bootstrap = bootstrap;
        settings.groupId = groupId;
        settings.transactionalIdPrefix = transactionalIdPrefix;
    }
}
