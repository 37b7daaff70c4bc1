package io.longstream.jobs.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.longstream.jobs.cli.LongstreamCli;
import io.longstream.jobs.cli.LongstreamJob;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code docs/configuration.md} is what the option table generates, and the table is what the commands take. */
class ConfigurationDocTest {
    private static final Path DOC = Path.of("..", "docs", "configuration.md");
    private static final String WRITE = "configuration.doc.write";

    @Test
    void theCommittedReferenceIsWhatTheTableGenerates() throws IOException {
        String generated = ConfigurationReference.markdown(List.of(LongstreamCli.commandLine(), LongstreamJob.commandLine()));
        if (Boolean.getBoolean(WRITE)) {
            Files.writeString(DOC, generated, StandardCharsets.UTF_8);
        }
        assertEquals(generated, Files.exists(DOC) ? Files.readString(DOC, StandardCharsets.UTF_8) : "",
                "docs/configuration.md differs from the option table (io.longstream.jobs.config.Settings); regenerate it with\n"
                        + "  mvn -B -ntp -pl jobs -am test -Dtest=ConfigurationDocTest -Dsurefire.failIfNoSpecifiedTests=false -D" + WRITE + "=true\n");
    }

    @Test
    void everyOptionOfTheTableIsTakenByACommandAndEachCommandTakesAnOptionOnce() {
        Set<Setting<?>> taken = new HashSet<>();
        for (CommandLine root : List.of(LongstreamCli.commandLine(), LongstreamJob.commandLine())) {
            collect(root, taken);
        }
        for (Setting<?> s : Settings.ALL) {
            assertTrue(taken.contains(s), s + " is in the table but no command takes it");
        }
    }

    @Test
    void aBadValueFailsNamingTheOptionAndAGoodOneIsTyped() {
        assertEquals(512, Settings.CHUNK.valueOf(null), "the default where none is given");
        assertEquals(7, Settings.CHUNK.valueOf("7"));
        assertEquals("--chunk must be >= 1, got 0", message(() -> Settings.CHUNK.valueOf("0")));
        assertEquals("--chunk x: not an integer", message(() -> Settings.CHUNK.valueOf("x")));
        assertEquals("--checkpoint-interval must be > 0, got 0", message(() -> Settings.CHECKPOINT_INTERVAL.valueOf("0")));
        assertEquals(java.time.Duration.ofMillis(1500), Settings.CHECKPOINT_INTERVAL.valueOf("1.5"));
        assertEquals("--cache-dtype f8: unknown cache dtype 'f8' (expected f32, bf16, f16 or int8)",
                message(() -> Settings.CACHE_DTYPE.valueOf("f8")));
        assertEquals("--max-batch must be >= 1, got 0", message(() -> Settings.MAX_BATCH.valueOf("0")));
        assertEquals("--max-batch-tokens must be >= 1, got 0", message(() -> Settings.MAX_BATCH_TOKENS.valueOf("0")));
        assertEquals("sinks:start=2,budget=64", Settings.policy(valuesOf("--policy", "sinks:start=2", "--budget", "64")).toString());
        assertEquals("sinks:budget=8", Settings.policy(valuesOf("--policy", "sinks:budget=8", "--budget", "64")).toString(),
                "a budget in the spec wins");
    }

    private static SettingValues valuesOf(String... args) {
        CommandLine.Model.CommandSpec spec = CommandLine.Model.CommandSpec.create();
        List<Setting<?>> settings = List.of(Settings.POLICY, Settings.BUDGET);
        TableOptions.addTo(spec, settings);
        new CommandLine(spec).parseArgs(args);
        return SettingValues.of(spec, settings);
    }

    private static String message(Runnable r) {
        try {
            r.run();
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        throw new AssertionError("no failure");
    }

    private static void collect(CommandLine command, Set<Setting<?>> taken) {
        Object user = command.getCommandSpec().userObject();
        if (user instanceof Configured) {
            List<Setting<?>> settings = ((Configured) user).settings();
            Set<String> names = new HashSet<>();
            for (Setting<?> s : settings) {
                assertTrue(names.add(s.name()), command.getCommandSpec().qualifiedName() + " takes " + s + " twice");
                assertEquals(s.name(), command.getCommandSpec().findOption(s.name()).longestName(), "picocli has it");
            }
            taken.addAll(settings);
        }
        command.getSubcommands().values().forEach(sub -> collect(sub, taken));
    }
}
