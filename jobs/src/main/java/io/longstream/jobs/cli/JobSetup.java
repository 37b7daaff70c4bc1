package io.longstream.jobs.cli;

import io.longstream.jobs.config.SettingValues;
import io.longstream.jobs.config.Settings;
import io.longstream.jobs.pipeline.FlinkSettings;
import io.longstream.jobs.pipeline.PipelineSettings;
import io.longstream.jobs.pipeline.TopicSetup;
import java.nio.file.Path;
import java.util.List;

/** What {@code run} and the job do alike around the pipeline: where its state goes, the topics it creates. */
final class JobSetup {
    private JobSetup() {
    }

    /** {@code --checkpoints} as a URI, a plain path made absolute; {@code fallback} when it was not given. */
    static String checkpointsUri(SettingValues values, Path fallback) {
        String given = values.get(Settings.CHECKPOINTS);
        if (given == null) {
            return fallback == null ? null : FlinkSettings.uri(fallback);
        }
        // a scheme (file:, s3:, hdfs:) is kept as given; anything else is a local folder
        return given.matches("[A-Za-z][A-Za-z0-9+.-]*:/.*") ? given : FlinkSettings.uri(Path.of(given));
    }

    /** Creates the topics of {@code settings} that are missing, saying which. */
    static void ensureTopics(PipelineSettings settings, SettingValues values) throws InterruptedException {
        List<String> created = TopicSetup.ensure(settings.bootstrap, settings.topics, values.get(Settings.PARTITIONS),
                values.get(Settings.REPLICATION).shortValue());
        if (!created.isEmpty()) {
            System.out.println("created topics " + created);
        }
    }
}
