package io.longstream.jobs.local;

import io.longstream.jobs.pipeline.FlinkSettings;
import io.longstream.jobs.pipeline.PipelineSettings;
import io.longstream.jobs.pipeline.SessionPipeline;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The pipeline on an in-process Flink MiniCluster (RocksDB state, checkpoints in a local folder),
 * with the web UI on a loopback port.
 */
public final class LocalJob {
    private final JobClient client;
    private final String webUi;

    private LocalJob(JobClient client, String webUi) {
        this.client = client;
        this.webUi = webUi;
    }

    /**
     * Submits the pipeline and returns once it runs; {@code restoreFrom} is a savepoint path or null.
     *
     * @param settings checked ({@link PipelineSettings#check()}) by the caller, before anything started
     */
    public static LocalJob start(PipelineSettings settings, Path checkpoints, String restoreFrom, String jobName) throws Exception {
        return start(settings, FlinkSettings.uri(checkpoints), restoreFrom, jobName);
    }

    /** As {@link #start(PipelineSettings, Path, String, String)}, with checkpoints under a folder URI. */
    public static LocalJob start(PipelineSettings settings, String checkpoints, String restoreFrom, String jobName) throws Exception {
        Configuration conf = FlinkSettings.of(checkpoints, settings.checkpointInterval, restoreFrom);
        int port = freeLoopbackPort();
        conf.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        conf.set(RestOptions.ADDRESS, "127.0.0.1");
        conf.set(RestOptions.PORT, port);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        SessionPipeline.build(env, settings);
        return new LocalJob(env.executeAsync(jobName), "http://127.0.0.1:" + port);
    }

    public JobClient client() {
        return client;
    }

    public String webUi() {
        return webUi;
    }

    /** A port nobody listens on now (another process could take it before Flink binds it; rare on loopback). */
    private static int freeLoopbackPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
