package io.longstream.jobs.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.longstream.inference.Backend;
import io.longstream.inference.Fixtures;
import io.longstream.jobs.config.Setting;
import io.longstream.jobs.config.SettingValues;
import io.longstream.jobs.config.Settings;
import io.longstream.jobs.config.TableOptions;
import io.longstream.operators.SessionConfig;
import io.longstream.state.cache.CacheDtype;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** The pipeline's settings and the session operator's config come from the option table's checked values. */
class PipelineSettingsTest {
    private static final String MODEL = Fixtures.model("llama-tiny-f32").toString();

    @Test
    void theOptionsReachTheSessionConfigTyped() {
        PipelineSettings settings = new PipelineSettings(values("--model", MODEL, "--threads", "2", "--chunk", "64", "--policy",
                "sinks:start=2", "--budget", "96", "--cache-dtype", "f32", "--decode-block", "4", "--max-batch", "3",
                "--max-batch-tokens", "700", "--idle-ttl", "1.5", "--topic-prefix", "t")).check();
        SessionConfig config = settings.sessionConfig();
        assertEquals(Backend.cpu(2), config.backend());
        assertEquals(64, config.chunk());
        assertEquals("sinks:start=2,budget=96", config.policy().toString(), "--budget folded into the spec");
        assertEquals(CacheDtype.F32, config.cacheDtype());
        assertEquals(4, config.decodeBlock());
        assertEquals(3, config.maxBatch());
        assertEquals(700, config.maxBatchTokens());
        assertEquals(1500, config.idleTtlMillis());
        assertEquals("llama-tiny-f32", config.modelName());
        assertEquals("t.events", settings.topics.events);
    }

    @Test
    void theCudaBackendTravelsToTheJobAndIsCheckedWhereThePipelineRuns() {
        PipelineSettings settings = new PipelineSettings(values("--model", MODEL, "--backend", "cuda", "--gpu", "1",
                "--gpu-cache-fraction", "0.5"));
        // a job submitted to a cluster is not checked for a GPU on the client
        assertEquals(Backend.cuda(1, 0.5), settings.check().sessionConfig().backend());
        String reason = Backend.cuda(1, 0.5).unavailableReason();
        if (reason != null) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, settings::checkHere);
            assertEquals("--backend cuda: " + reason, e.getMessage());
            assertFalse(e.getMessage().contains("\n"), "one line");
        } else {
            settings.checkHere();
        }
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> values("--model", MODEL, "--gpu-cache-fraction", "0"));
        assertTrue(bad.getMessage().startsWith("--gpu-cache-fraction"), bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> values("--model", MODEL, "--backend", "tpu"));
    }

    @Test
    void whatIsNotGivenIsTheTablesDefault() {
        SessionConfig config = new PipelineSettings(values("--model", MODEL)).check().sessionConfig();
        assertEquals(Settings.CHUNK.defaultValue(), config.chunk());
        assertEquals(SessionConfig.DEFAULT_MAX_BATCH, config.maxBatch());
        assertEquals(SessionConfig.DEFAULT_MAX_BATCH_TOKENS, config.maxBatchTokens());
        assertEquals(SessionConfig.DEFAULT_DECODE_BLOCK, config.decodeBlock());
        assertEquals("full", config.policy().toString());
        assertEquals(Duration.ofSeconds(2), new PipelineSettings().checkpointInterval);
    }

    @Test
    void whatNeedsTheModelOrSeveralOptionsIsCheckedWithThePipelineNamingTheOption() {
        assertEquals("--policy sinks:budget=8: sinks:start=4,budget=8 with chunk 4 keeps T = B - c* = 4 entries, which leaves "
                        + "no room past the 4 sinks: raise the budget",
                assertThrows(IllegalArgumentException.class,
                        () -> new PipelineSettings(values("--model", MODEL, "--policy", "sinks", "--budget", "8")).check()).getMessage());
        assertEquals("--max-parallelism 2 is below the parallelism 4", assertThrows(IllegalArgumentException.class,
                () -> new PipelineSettings(values("--model", MODEL, "--parallelism", "4", "--max-parallelism", "2")).check()).getMessage());
        String untokenized = Fixtures.model("llama-wide-bf16").toString();
        assertEquals("model folder " + untokenized + " has no tokenizer.json, which the pipeline needs to tokenize events (--model)",
                assertThrows(IllegalArgumentException.class, () -> new PipelineSettings(values("--model", untokenized)).check()).getMessage());
        assertEquals("the model folder is not set (--model)",
                assertThrows(IllegalArgumentException.class, () -> new PipelineSettings(values()).check()).getMessage());
    }

    private static SettingValues values(String... args) {
        CommandSpec spec = CommandSpec.create();
        List<Setting<?>> settings = Settings.PIPELINE;
        TableOptions.addTo(spec, settings);
        new CommandLine(spec).parseArgs(args);
        return SettingValues.of(spec, settings);
    }
}
