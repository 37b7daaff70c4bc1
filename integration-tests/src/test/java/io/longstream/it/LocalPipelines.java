package io.longstream.it;

import io.longstream.inference.Backend;
import io.longstream.jobs.io.EventProducer;
import io.longstream.jobs.pipeline.PipelineSettings;
import io.longstream.jobs.pipeline.TopicSetup;
import io.longstream.jobs.pipeline.Topics;
import io.longstream.schemas.SessionEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** The pipeline as the integration tests run it on the in-process broker: its settings, and events sent to it. */
final class LocalPipelines {
    private LocalPipelines() {
    }

    /**
     * Settings of a pipeline whose topics, group and transactions are all named after {@code name} (so tests do not see
     * each other's records), on one CPU thread, checkpointing every second; the topics are created with
     * {@code partitions} partitions.
     */
    static PipelineSettings settings(String bootstrap, String name, Path model, int parallelism, int partitions) throws Exception {
        PipelineSettings s = new PipelineSettings();
        s.bootstrap = bootstrap;
        s.topics = Topics.withPrefix(name);
        s.groupId = name;
        s.transactionalIdPrefix = name;
        s.modelDir = model;
        s.backend = Backend.cpu(1);
        // answers of 6 tokens take three steps, each re-attending the tokens so far
        s.decodeBlock = 2;
        // no live caches between steps: every step restores its session from the RocksDB pages
        s.liveCacheBytes = 0;
        s.parallelism = parallelism;
        s.checkpointInterval = Duration.ofSeconds(1);
        TopicSetup.ensure(s.bootstrap, s.topics, partitions, (short) 1);
        return s;
    }

    static void produce(PipelineSettings settings, List<SessionEvent> events) {
        try (EventProducer producer = new EventProducer(settings.bootstrap, settings.topics.events)) {
            events.forEach(producer::send);
            producer.flush();
        }
    }
}
