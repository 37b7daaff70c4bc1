package io.longstream.jobs.cli;

import io.longstream.jobs.config.Configured;
import io.longstream.jobs.config.Setting;
import io.longstream.jobs.config.SettingValues;
import io.longstream.jobs.config.Settings;
import io.longstream.jobs.config.TableOptions;
import io.longstream.jobs.io.EventJson;
import io.longstream.jobs.io.EventLine;
import io.longstream.jobs.io.OutputLines;
import io.longstream.jobs.pipeline.PipelineSettings;
import io.longstream.operators.SavedSession;
import io.longstream.operators.SessionReplay;
import io.longstream.schemas.Answer;
import io.longstream.schemas.Query;
import io.longstream.schemas.Rejected;
import io.longstream.schemas.SessionEvent;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Restores one session from a savepoint, continues it offline and answers queries from it. As for {@link InspectCommand},
 * no operators type appears in its fields or method signatures, which picocli reflects on whenever the CLI starts.
 */
@Command(name = "replay", mixinStandardHelpOptions = true, modelTransformer = TableOptions.class,
        description = {"Answer queries offline from one session of a savepoint, as the job would answer them.",
                "The session's memory is restored exactly as the job held it, its pending tokens and waiting events taken up,",
                "then the events of --file (JSON lines, as produce reads them, all of this session) and the --query questions:",
                "the same events give the same tokens. The job's policy, --chunk and --cache-dtype come from the savepoint;",
                "the options below are the job's where it does not record them (state saved by an older version), and one",
                "given that contradicts it fails."})
final class ReplayCommand implements Callable<Integer>, Configured {
    @Spec
    CommandSpec spec;

    @Option(names = SavepointOption.NAME, required = true, paramLabel = "PATH", description = SavepointOption.DESCRIPTION)
    String savepoint;

    @Option(names = "--session", required = true, paramLabel = "ID", description = "the session to restore")
    String session;

    @Option(names = "--file", paramLabel = "F.jsonl", description = "more events of the session, one JSON object per line, taken before the queries")
    Path file;

    @Option(names = "--query", paramLabel = "TEXT", description = "a question to answer, greedily; repeat for more (ids replay-1, replay-2, ...)")
    List<String> queries = new ArrayList<>();

    @Option(names = "--max-tokens", paramLabel = "N", description = "most new tokens of each --query answer (default: ${DEFAULT-VALUE})")
    int maxTokens = 64;

    @Override
    public List<Setting<?>> settings() {
        return List.of(Settings.MODEL.required(), Settings.BACKEND, Settings.THREADS, Settings.GPU, Settings.GPU_CACHE_FRACTION,
                Settings.CHUNK, Settings.CACHE_DTYPE, Settings.POLICY, Settings.BUDGET, Settings.DECODE_BLOCK, Settings.MAX_TEXT_BYTES,
                Settings.MAX_NEW_TOKENS);
    }

    @Override
    public Integer call() throws Exception {
        SettingValues values = SettingValues.of(spec, settings());
        if (maxTokens < 1) {
            throw new IllegalArgumentException("--max-tokens must be >= 1, got " + maxTokens);
        }
        List<SessionEvent> events = fileEvents();
        for (int i = 0; i < queries.size(); i++) {
            String id = "replay-" + (i + 1);
            events.add(SessionEvent.newBuilder().setSessionId(session).setEventId(id).setEventTime(Instant.now())
                    .setProducer("longstream-replay")
                    .setPayload(Query.newBuilder().setQueryId(id).setText(queries.get(i)).setMaxNewTokens(maxTokens).build())
                    .build());
        }
        SavedSession saved = SavepointOption.read(savepoint, session, true).get(0);
        PipelineSettings settings = SavepointOption.asSaved(new PipelineSettings(values), saved, spec.commandLine().getParseResult())
                .checkHere();
        SessionReplay replay = new SessionReplay(settings.sessionConfig(), settings.limits(), saved);
        System.out.printf("restored %s: %s, %d tokens (next position %d), %d pending, %d events waiting%n", session,
                saved.policy(), saved.meta.tokensIngested, saved.meta.nextPosition, saved.meta.pending.length, saved.waiting.length);
        SessionReplay.Outcome outcome = replay.run(events);
        for (Answer a : outcome.answers()) {
            System.out.println(OutputLines.describe(a));
            System.out.println("        token ids " + a.getTokenIds());
        }
        for (Rejected r : outcome.rejects()) {
            spec.commandLine().getErr().println(OutputLines.describe(r));
        }
        return outcome.rejects().isEmpty() ? 0 : 1;
    }

    /** The events of --file, all of --session; none without it. */
    private List<SessionEvent> fileEvents() throws Exception {
        List<SessionEvent> events = new ArrayList<>();
        if (file == null) {
            return events;
        }
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--file " + file + ": no such file");
        }
        List<EventLine> lines;
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            lines = new EventJson("longstream-replay").readLines(in);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--file " + file + ": " + e.getMessage(), e);
        }
        for (EventLine line : lines) {
            if (!line.event.getSessionId().equals(session)) {
                throw new IllegalArgumentException("--file " + file + ": line " + line.number + " is of session "
                        + line.event.getSessionId() + ", not --session " + session);
            }
            events.add(line.event);
        }
        return events;
    }
}
